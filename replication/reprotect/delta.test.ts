/**
 * The reprotect delta against an independent model: every 4 KiB block any source names is sent
 * exactly once, nothing else is, the last block is clipped to the volume; and the split-brain
 * check compares the old side's newest write with the failover request and says what each side holds.
 */
import { describe, expect, it } from "vitest";
import type { GroupConfig } from "../config.ts";
import type { DivergenceReport, Range } from "../production/divergence.ts";
import { reprotectDelta } from "./delta.ts";
import { runRanges } from "./extent-set.ts";
import { splitBrain } from "./split-brain.ts";

const K64 = 64 * 1024;
const K4 = 4096;
const SIZE = 100 * K64 + 4096 + 512;

const config = {
  name: "g1",
  volumes: [
    { name: "a", size: SIZE },
    { name: "b", size: SIZE },
  ],
} as GroupConfig;

function report(ranges: Record<string, Range[]>, newestWriteTs = 100): DivergenceReport {
  return { site: "prod-a", fencedAt: 200, newestWriteTs, ranges, canReceive: true };
}

function randomRanges(seed: number, n: number): Range[] {
  let x = seed;
  const next = () => (x = (x * 48271) % 2147483647);
  return Array.from({ length: n }, () => {
    const offset = next() % SIZE;
    return { offset, length: Math.min(SIZE - offset, 1 + (next() % (3 * K64))) };
  });
}

describe("reprotect delta", () => {
  it.each([1, 2, 3, 4, 5])("sends exactly the 4 KiB blocks the sources name (seed %i)", (seed) => {
    const here = randomRanges(seed, 20);
    const rolled = randomRanges(seed + 100, 15);
    const old = randomRanges(seed + 200, 10);
    const d = reprotectDelta({
      config,
      writtenHere: (v) => (v === "a" ? here : []),
      rolledBack: (v) => (v === "a" ? rolled : old),
      report: report({ a: old, b: [] }),
    });
    const model = (ranges: Range[]) => {
      const set = new Set<number>();
      for (const r of ranges) for (let i = Math.floor(r.offset / K4); i * K4 < r.offset + r.length; i++) set.add(i);
      return set;
    };
    const expected = { a: model([...here, ...rolled, ...old]), b: model(old) };
    let bytes = 0;
    for (const v of ["a", "b"] as const) {
      const sent = runRanges(d.extents[v]!, SIZE, d.unitBytes);
      const got = new Set(
        sent.flatMap((r) => Array.from({ length: Math.ceil(r.length / K4) }, (_, i) => r.offset / K4 + i)),
      );
      expect(got).toEqual(expected[v]);
      for (const r of sent) expect(r.offset + r.length).toBeLessThanOrEqual(SIZE);
      bytes += sent.reduce((n, r) => n + r.length, 0);
    }
    expect(d.bytesToSend).toBe(bytes);
    const alone = reprotectDelta({ config, writtenHere: () => here, rolledBack: () => [], report: report({}) });
    expect(d.writtenHereBytes).toBe(
      runRanges(alone.extents.a!, SIZE, alone.unitBytes).reduce((n, r) => n + r.length, 0),
    );
  });

  it("sends scattered 4 KiB writes as 4 KiB blocks, not whole extents", () => {
    const scattered = Array.from({ length: 50 }, (_, i) => ({ offset: i * (K64 + K4), length: K4 }));
    const d = reprotectDelta({
      config,
      writtenHere: (v) => (v === "a" ? scattered : []),
      rolledBack: () => [{ offset: 7 * K4 + 100, length: 10 }],
      report: report({}),
    });
    expect(d.bytesToSend).toBe(50 * K4 + 2 * K4);
    expect(d.writtenHereBytes).toBe(50 * K4);
  });

  it("sends nothing when nothing changed since the point", () => {
    const d = reprotectDelta({ config, writtenHere: () => [], rolledBack: () => [], report: report({ a: [], b: [] }) });
    expect([d.bytesToSend, d.extents]).toEqual([0, { a: [], b: [] }]);
  });
});

describe("split-brain check", () => {
  const check = (newestWriteTs: number, writtenHereBytes = K64) =>
    splitBrain(
      { site: "rec-b", oldSite: "prod-a", splitAt: 1000, writtenHereBytes, report: report({}, newestWriteTs) },
      "g1",
    );

  it("finds none when the old side's newest write is at or before the failover request", () => {
    expect(check(999.5)).toBeNull();
    expect(check(1000)).toBeNull();
  });

  it("names both sides and what to pass when the old side wrote after it", () => {
    expect(check(1000.001)).toMatch(
      /--discard-side prod-a \(keep rec-b's data\) or --discard-side rec-b \(keep prod-a's data\)/,
    );
    expect(check(1000.001)).toMatch(/written at both sites .* rec-b has 65536 bytes written since its promotion/);
  });

  it("says what would be lost when the new production site wrote nothing since its promotion", () => {
    const message = check(1000.001, 0)!;
    expect(message).not.toMatch(/both sites/);
    expect(message).toMatch(
      /prod-a took writes after the failover to rec-b .* until .*; rec-b has written nothing since its promotion: reprotecting from rec-b would lose prod-a's writes after the split/,
    );
    expect(message).toMatch(/--discard-side prod-a .* or --discard-side rec-b/);
  });
});
