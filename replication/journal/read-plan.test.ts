/**
 * The read plan against its definition: a byte's value at a point is the undo of the smallest seq
 * above the point covering it, else the newest undistributed redo at or below the point, else the
 * replica's. Checked at every boundary of random extents (narrow, bucket-crossing and wide ones),
 * before and after the oldest are dropped.
 */
import { describe, expect, it } from "vitest";
import { BUCKET_BYTES, ExtentMap } from "./extent-map.ts";
import type { Extent } from "./extents.ts";
import { lateUndo, type Piece, planRead } from "./read-plan.ts";
import { prng } from "./test-support.ts";

const VOLUME = 160 * BUCKET_BYTES;

function extent(seq: number, offset: number, length: number): Extent {
  return { seq, timestamp: seq, volume: "v", offset, length, payload: { ordinal: 1, at: seq }, bytes: length };
}

function randomExtents(rand: () => number, seqs: number[]): Extent[] {
  return seqs.map((seq) => {
    const roll = rand();
    // Mostly within a few buckets; some cross buckets; a few are wide (a whole-volume trim).
    const length =
      roll < 0.05
        ? Math.floor((0.5 + rand() * 0.5) * VOLUME)
        : 1 + Math.floor(rand() * (roll < 0.6 ? 65536 : 3 * BUCKET_BYTES));
    const offset = Math.floor(rand() * (VOLUME - length));
    return extent(seq, offset, length);
  });
}

/** The source of byte `at` by the definition, straight from the lists. */
function sourceOf(at: number, undo: Extent[], redo: Extent[], seq: number, applied: number): Extent | null {
  const covers = (e: Extent) => e.offset <= at && at < e.offset + e.length;
  const u = undo.filter((e) => e.seq > seq && covers(e)).sort((a, b) => a.seq - b.seq)[0];
  if (u) return u;
  const r = redo.filter((e) => e.seq > applied && e.seq <= seq && covers(e)).sort((a, b) => b.seq - a.seq)[0];
  return r ?? null;
}

function sourceInPlan(plan: Piece[], at: number): Extent | null | undefined {
  return plan.find((p) => p.start <= at && at < p.end)?.extent;
}

function probes(offset: number, length: number, extents: Extent[]): number[] {
  const points = new Set([offset, offset + length - 1]);
  for (const e of extents)
    for (const b of [e.offset - 1, e.offset, e.offset + e.length - 1, e.offset + e.length])
      if (b >= offset && b < offset + length) points.add(b);
  return [...points];
}

function mapOf(extents: Extent[]): ExtentMap {
  const m = new ExtentMap();
  for (const e of extents) m.add(e);
  return m;
}

describe("point-in-time read plan", () => {
  it.each([3, 17, 29, 41])("seed %i: every byte comes from the source the definition names", (seed) => {
    const rand = prng(seed);
    // Undo for distributed seqs 1..applied, redo for the rest, as the journal holds them.
    const applied = 120;
    let undo = randomExtents(
      rand,
      Array.from({ length: applied }, (_, i) => i + 1),
    );
    const redo = randomExtents(
      rand,
      Array.from({ length: 60 }, (_, i) => applied + 1 + i),
    );
    const undoMap = mapOf(undo);
    const redoMap = mapOf(redo);
    for (let round = 0; round < 40; round++) {
      if (round === 20) {
        // Retention drops the oldest undo; the plan for points above it must not change.
        undoMap.dropThrough(30);
        undo = undo.filter((e) => e.seq > 30);
      }
      const seq = (round < 20 ? 0 : 30) + Math.floor(rand() * (applied + 60 - (round < 20 ? 0 : 30)));
      const length = 1 + Math.floor(rand() * 3 * BUCKET_BYTES);
      const offset = Math.floor(rand() * (VOLUME - length));
      const plan = planRead({ undo: undoMap, redo: redoMap }, { seq, appliedSeq: applied }, offset, length);
      // Pieces tile the range exactly, in order.
      expect(plan[0]!.start).toBe(offset);
      expect(plan.at(-1)!.end).toBe(offset + length);
      for (let i = 1; i < plan.length; i++) expect(plan[i]!.start).toBe(plan[i - 1]!.end);
      for (const at of probes(offset, length, [...undo, ...redo]))
        expect(sourceInPlan(plan, at)?.seq, `byte ${at} at seq ${seq}`).toBe(
          sourceOf(at, undo, redo, seq, applied)?.seq,
        );
    }
  });

  it("a range no extent above the point touches is one replica piece", () => {
    const undo = mapOf([extent(5, 0, 4096), extent(9, 3 * BUCKET_BYTES, 4096)]);
    const plan = planRead({ undo, redo: new ExtentMap() }, { seq: 9, appliedSeq: 9 }, 0, 4 * BUCKET_BYTES);
    expect(plan).toEqual([{ start: 0, end: 4 * BUCKET_BYTES, extent: null }]);
  });

  it("late undo takes back exactly the replica bytes its write may have changed, oldest undo first", () => {
    const undo = mapOf([extent(5, 0, 4096)]);
    const replica: Piece[] = [{ start: 4096, end: 2 * BUCKET_BYTES, extent: null }];
    undo.add(extent(11, BUCKET_BYTES - 100, 200));
    undo.add(extent(12, BUCKET_BYTES - 50, 1000));
    expect(lateUndo(undo, replica, 10)).toEqual([
      { start: BUCKET_BYTES - 100, end: BUCKET_BYTES + 100, extent: expect.objectContaining({ seq: 11 }) },
      { start: BUCKET_BYTES + 100, end: BUCKET_BYTES + 950, extent: expect.objectContaining({ seq: 12 }) },
    ]);
  });
});
