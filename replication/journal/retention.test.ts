import { afterEach, describe, expect, it } from "vitest";
import { Journal, type JournalEvent, JournalFullError } from "./journal.ts";
import { planTrim } from "./retention.ts";
import {
  expectedImages,
  groupConfig,
  randomWrites,
  removeTempDirs,
  silentLogger,
  tempDir,
  VOLUME_BYTES,
  VOLUMES,
} from "./test-support.ts";

type Writes = ReturnType<typeof randomWrites>;
const open: Journal[] = [];
afterEach(async () => {
  for (const g of open.splice(0)) await g.close();
  await removeTempDirs();
});

async function setup(retention: { window: number; capacity: number }, clock: { now: number }) {
  const events: JournalEvent[] = [];
  const g = await Journal.open({
    dir: await tempDir(),
    group: groupConfig(retention),
    logger: silentLogger,
    segmentBytes: 32 * 1024,
    now: () => clock.now,
    autoDistribute: false,
    onEvent: (e) => events.push(e),
  });
  open.push(g);
  return { g, events };
}

async function expectImageAt(g: Journal, writes: Writes, seq: number) {
  const expected = expectedImages(writes, seq);
  for (const v of VOLUMES) expect((await g.readAt(v, seq, 0, VOLUME_BYTES)).equals(expected.get(v)!), v).toBe(true);
}

async function appendDistributed(g: Journal, writes: Writes) {
  for (let i = 0; i < writes.length; i += 5) {
    await g.appendBatch(writes.slice(i, i + 5));
    await g.catchUp();
  }
}

describe("journal retention", () => {
  it("trims by time oldest first, keeps one point at the cutoff and never evicts undistributed redo", async () => {
    const clock = { now: 1_000_000 };
    const { g, events } = await setup({ window: 100, capacity: 64 * 1024 ** 2 }, clock);
    const writes = randomWrites(71, 220); // timestamps 1_000_001 .. 1_000_220
    await appendDistributed(g, writes.slice(0, 200));
    const usedBefore = g.journalStatus().usedBytes;

    clock.now = 1_000_250; // cutoff 1_000_150
    await g.enforceRetention();
    const range = g.recoverableRange();
    expect(range.oldestSeq).toBeGreaterThan(0);
    expect(range.oldestTimestamp).toBeLessThanOrEqual(1_000_150);
    const s = g.journalStatus();
    expect(s.achievedWindowSeconds).toBeGreaterThanOrEqual(100);
    expect(s.trimmedBytesByTime).toBeGreaterThan(0);
    expect(s.trimmedBytesBySpace).toBe(0);
    expect(s.usedBytes).toBeLessThan(usedBefore);
    expect(events.every((e) => e.type === "trimmed" && e.reason === "time")).toBe(true);
    expect(events.reduce((n, e) => n + (e.type === "trimmed" ? e.bytes : 0), 0)).toBe(s.trimmedBytesByTime);
    await expectImageAt(g, writes, range.oldestSeq);
    await expect(g.readAt("vol-a", range.oldestSeq - 1, 0, 512)).rejects.toThrow(RangeError);
    expect(g.seqAtOrBefore(range.oldestTimestamp - 1)).toBeNull();

    // Far in the future, with 20 writes received but not distributed: only they survive.
    await g.appendBatch(writes.slice(200));
    clock.now = 2_000_000;
    await g.enforceRetention();
    expect(g.recoverableRange()).toMatchObject({ oldestSeq: 200, newestSeq: 220 });
    expect(g.journalStatus().undistributedBytes).toBeGreaterThan(0);
    await expectImageAt(g, writes, 220);
    await expectImageAt(g, writes, 200);
    await g.catchUp();
    await expectImageAt(g, writes, 220);
  });

  it("trims by space oldest first and reports the window it could not keep", async () => {
    const clock = { now: 1_000_300 };
    const capacity = 256 * 1024;
    const { g, events } = await setup({ window: 86400, capacity }, clock);
    const writes = randomWrites(81, 250);
    await appendDistributed(g, writes);
    const s = g.journalStatus();
    expect(s.trimmedBytesBySpace).toBeGreaterThan(0);
    expect(s.trimmedBytesByTime).toBe(0);
    expect(s.usedBytes).toBeLessThanOrEqual(capacity);
    expect(s.achievedWindowSeconds).toBeLessThan(s.requiredWindowSeconds);
    expect(events.some((e) => e.type === "trimmed" && e.reason === "space")).toBe(true);
    const { oldestSeq } = g.recoverableRange();
    expect(oldestSeq).toBeGreaterThan(0);
    await expectImageAt(g, writes, oldestSeq);
    await expectImageAt(g, writes, 250);
  });

  it("never trims what a pinned reader may read, by time or by space; released, retention goes on", async () => {
    const clock = { now: 1_000_000 };
    const capacity = 512 * 1024;
    const { g } = await setup({ window: 100, capacity }, clock);
    const writes = randomWrites(85, 250);
    await appendDistributed(g, writes.slice(0, 15));
    const pin = g.pin(10, "test failover");
    await appendDistributed(g, writes.slice(15));
    clock.now = 2_000_000; // every point is past the time window, and the journal is over capacity
    await g.enforceRetention();
    const s = g.journalStatus();
    expect(s.usedBytes).toBeGreaterThan(capacity);
    expect(g.recoverableRange().oldestSeq).toBeLessThanOrEqual(10);
    const expected = expectedImages(writes, 10);
    for (const v of VOLUMES) expect((await pin.read(v, 0, VOLUME_BYTES)).equals(expected.get(v)!), v).toBe(true);
    expect(s.pins.map((p) => [p.holder, p.seq])).toEqual([["test failover", 10]]);

    pin.release();
    await g.enforceRetention();
    expect(g.recoverableRange().oldestSeq).toBeGreaterThan(10);
    expect(g.journalStatus().usedBytes).toBeLessThanOrEqual(capacity);
  });

  it("refuses a batch that would leave more undistributed data than the capacity, and evicts none of it", async () => {
    const clock = { now: 1_000_300 };
    const capacity = 128 * 1024;
    const { g } = await setup({ window: 86400, capacity }, clock);
    const writes = randomWrites(91, 60);
    let refused: unknown = null;
    let seq = 0;
    while (seq < writes.length && !refused) {
      try {
        await g.appendBatch([writes[seq]!]);
        seq++;
      } catch (err) {
        refused = err;
      }
    }
    expect(refused).toBeInstanceOf(JournalFullError);
    expect((refused as JournalFullError).code).toBe("ENOSPC");
    expect(g.durableSeq).toBe(seq);
    expect(g.journalStatus().undistributedBytes).toBeLessThanOrEqual(capacity);
    await g.enforceRetention();
    await expectImageAt(g, writes, seq);
    await g.catchUp();
    await g.appendBatch([writes[seq]!]);
    expect(g.durableSeq).toBe(seq + 1);
  });
});

describe("planTrim", () => {
  const segment = (ordinal: number, maxUndoSeq: number) => ({
    ordinal,
    size: 100,
    maxRedoSeq: maxUndoSeq,
    maxUndoSeq,
    maxUndoTimestamp: maxUndoSeq,
  });
  const segments = [segment(1, 10), segment(2, 20), segment(3, 30)];
  const aged = { appliedSeq: 30, usedBytes: 300, capacityBytes: 1000, cutoffTimestamp: 100 };

  it("stops at the first segment holding a record above the lowest pin's floor", () => {
    expect(planTrim(segments, aged, []).steps.map((s) => s.ordinal)).toEqual([1, 2, 3]);
    expect(planTrim(segments, aged, [{ floorSeq: 25 }, { floorSeq: 20 }]).steps.map((s) => s.ordinal)).toEqual([1, 2]);
    expect(planTrim(segments, aged, [{ floorSeq: 5 }]).steps).toEqual([]);
  });

  it("says when pins hold a journal over capacity", () => {
    const full = { ...aged, capacityBytes: 50, cutoffTimestamp: 0 };
    expect(planTrim(segments, full, [{ floorSeq: 15 }])).toMatchObject({
      blockedByPins: true,
      blockedByUndistributed: false,
    });
    expect(planTrim(segments, aged, [{ floorSeq: 15 }]).blockedByPins).toBe(false);
  });
});
