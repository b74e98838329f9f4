import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Journal, type JournalOptions } from "./journal.ts";
import {
  batches,
  expectedImages,
  groupConfig,
  randomWrites,
  removeTempDirs,
  silentLogger,
  tempDir,
  VOLUME_BYTES,
  VOLUMES,
} from "./test-support.ts";

const open: Journal[] = [];
async function openGroup(dir: string, extra: Partial<JournalOptions> = {}): Promise<Journal> {
  const g = await Journal.open({
    dir,
    group: groupConfig(),
    logger: silentLogger,
    segmentBytes: 256 * 1024,
    now: () => 1_001_000, // the workload's clock: nothing is old enough for time retention
    ...extra,
  });
  open.push(g);
  return g;
}
afterEach(async () => {
  for (const g of open.splice(0)) await g.close();
  await removeTempDirs();
});

async function expectImageAt(g: Journal, writes: Parameters<typeof expectedImages>[0], seq: number) {
  const expected = expectedImages(writes, seq);
  for (const v of VOLUMES) {
    const got = await g.readAt(v, seq, 0, VOLUME_BYTES);
    expect(got.equals(expected.get(v)!), `${v} at seq ${seq}`).toBe(true);
  }
}

describe("Journal", () => {
  it("reads old points exactly while distribution runs beside them: readers pin, they do not lock", async () => {
    const writes = randomWrites(17, 400);
    const g = await openGroup(await tempDir(), { autoDistribute: false });
    const all = batches(writes, 18);
    const third = Math.floor(all.length / 3);
    for (const b of all.slice(0, third)) await g.appendBatch(b);
    await g.catchUp();
    for (const b of all.slice(third)) await g.appendBatch(b);
    const oldPoints = [0, 13, g.appliedSeq - 1, g.appliedSeq, g.appliedSeq + 7, 350];
    // Every read starts before distribution and overlaps its batches; each must still be exact.
    const reads = oldPoints.flatMap((seq) =>
      VOLUMES.map(async (v) => ({ seq, v, got: await g.readAt(v, seq, 0, VOLUME_BYTES) })),
    );
    const distributed = g.catchUp();
    for (const { seq, v, got } of await Promise.all(reads))
      expect(got.equals(expectedImages(writes, seq).get(v)!), `${v} at seq ${seq}`).toBe(true);
    await distributed;
    expect(g.appliedSeq).toBe(400);
    expect(g.journalStatus().pins).toEqual([]);
  });

  it("keeps a pinned point readable and listed in the status until it is released", async () => {
    const writes = randomWrites(19, 200);
    const g = await openGroup(await tempDir(), { autoDistribute: false });
    for (const b of batches(writes.slice(0, 50), 20)) await g.appendBatch(b);
    const pin = g.pin(40, "image vol-a@40");
    expect(g.journalStatus().pins).toEqual([
      { holder: "image vol-a@40", seq: 40, timestamp: 1_000_040, sinceTimestamp: 1_001_000 },
    ]);
    for (const b of batches(writes.slice(50), 21)) await g.appendBatch(b);
    await g.catchUp();
    const expected = expectedImages(writes, 40);
    for (const v of VOLUMES) expect((await pin.read(v, 0, VOLUME_BYTES)).equals(expected.get(v)!), v).toBe(true);
    expect(() => g.pin(201, "beyond")).toThrow(RangeError);
    pin.release();
    expect(g.journalStatus().pins).toEqual([]);
    await expect(pin.read("vol-a", 0, 512)).rejects.toThrow(/no longer held/);
  });

  it("voids pins when a resync discards the history they point into", async () => {
    const writes = randomWrites(23, 30);
    const g = await openGroup(await tempDir());
    await g.appendBatch(writes);
    await g.catchUp();
    const pin = g.pin(10, "drill");
    await g.beginResync();
    expect(g.journalStatus().pins).toEqual([]);
    await expect(pin.read("vol-a", 0, 512)).rejects.toThrow(/discarded by a resync/);
  });

  it("distributes random writes and rebuilds any point in the window, before and after reopen", async () => {
    const dir = await tempDir();
    const writes = randomWrites(7, 300);
    const g = await openGroup(dir, { autoDistribute: false });
    const all = batches(writes, 8);
    const half = Math.floor(all.length / 2);
    for (const b of all.slice(0, half)) await g.appendBatch(b);
    await g.catchUp();
    const appliedMid = g.appliedSeq;
    expect(appliedMid).toBe(all[half - 1]!.at(-1)!.seq);
    for (const b of all.slice(half)) await g.appendBatch(b);
    expect(g.durableSeq).toBe(300);
    expect(g.appliedSeq).toBe(appliedMid);
    expect(g.journalStatus().undistributedBytes).toBeGreaterThan(0);
    // Points behind the replica (undo), at it, and ahead of it (pending redo).
    for (const seq of [0, 1, 57, appliedMid - 1, appliedMid, appliedMid + 1, 250, 300])
      await expectImageAt(g, writes, seq);

    await g.catchUp();
    expect(g.appliedSeq).toBe(300);
    expect(g.journalStatus().undistributedBytes).toBe(0);
    const final = expectedImages(writes, 300);
    for (const v of VOLUMES) expect((await readFile(join(dir, `${v}.img`))).equals(final.get(v)!)).toBe(true);
    await g.close();

    const again = await openGroup(dir);
    expect([again.durableSeq, again.appliedSeq]).toEqual([300, 300]);
    expect(again.recoverableRange()).toEqual({
      oldestSeq: 0,
      oldestTimestamp: 1_000_001,
      newestSeq: 300,
      newestTimestamp: 1_000_300,
    });
    for (const seq of [0, 99, 200, 300]) await expectImageAt(again, writes, seq);
    await expect(again.readAt("vol-a", 301, 0, 512)).rejects.toThrow(/outside the recoverable window \[0, 300\]/);
    expect(again.seqAtOrBefore(1_000_150.5)).toBe(150);
    expect(again.timestampOf(150)).toBe(1_000_150);
    expect(again.fault).toBeNull();
  });

  it("resumes distribution after reopen and ignores resent records", async () => {
    const dir = await tempDir();
    const writes = randomWrites(11, 60);
    const g = await openGroup(dir, { autoDistribute: false });
    await g.appendBatch(writes.slice(0, 40));
    await g.close();

    const again = await openGroup(dir);
    await again.appendBatch(writes.slice(30, 60)); // a resend after reconnect overlaps 31..40
    await again.catchUp();
    expect([again.durableSeq, again.appliedSeq]).toEqual([60, 60]);
    await expectImageAt(again, writes, 60);
    await expectImageAt(again, writes, 35);
    expect(again.journalStatus().undistributedBytes).toBe(0);
  });

  it("rejects a gap and a non-contiguous batch without writing anything", async () => {
    const g = await openGroup(await tempDir());
    const writes = randomWrites(3, 10);
    await g.appendBatch(writes.slice(0, 3));
    await g.catchUp(); // distribution appends undo records: let it finish before measuring
    const used = g.journalStatus().usedBytes;
    await expect(g.appendBatch(writes.slice(4, 6))).rejects.toThrow(/expected 4, got 5; resend from 4/);
    await expect(g.appendBatch([writes[3]!, writes[5]!])).rejects.toThrow(/not contiguous at seq 6/);
    await expect(g.appendBatch([{ ...writes[3]!, volume: "nope" }])).rejects.toThrow(/unknown volume "nope"/);
    await expect(g.appendBatch([{ ...writes[3]!, offset: VOLUME_BYTES - 1, length: 2, kind: "zero" }])).rejects.toThrow(
      /past its size/,
    );
    expect(g.durableSeq).toBe(3);
    expect(g.journalStatus().usedBytes).toBe(used);
  });

  it("keeps bookmarks across reopen and reports the journal status", async () => {
    const dir = await tempDir();
    const writes = randomWrites(5, 20);
    const g = await openGroup(dir, { now: () => 1_000_100 });
    await g.appendBatch(writes);
    await g.addBookmark({ name: "app-1", seq: 10, timestamp: 1_000_010 });
    await g.addBookmark({ name: "app-2", seq: 20, timestamp: 1_000_020 });
    await expect(g.addBookmark({ name: "future", seq: 21, timestamp: 1 })).rejects.toThrow(/not durable/);
    await g.close();

    const again = await openGroup(dir, { now: () => 1_000_100 });
    expect(again.bookmarks().map((b) => b.name)).toEqual(["app-1", "app-2"]);
    expect(again.lastBookmark()).toEqual({ name: "app-2", seq: 20, timestamp: 1_000_020 });
    await again.catchUp();
    const s = again.journalStatus();
    expect(s).toMatchObject({
      capacityBytes: 64 * 1024 ** 2,
      undistributedBytes: 0,
      oldestRecoverableTimestamp: 1_000_001,
      newestRecoverableTimestamp: 1_000_020,
      requiredWindowSeconds: 86400,
      achievedWindowSeconds: 99,
      trimmedBytesByTime: 0,
      trimmedBytesBySpace: 0,
      corruptRecordsTotal: 0,
    });
    const segments = (await readdir(dir)).filter((f) => f.startsWith("seg-"));
    const onDisk = await Promise.all(segments.map(async (f) => (await stat(join(dir, f))).size));
    expect(s.usedBytes).toBe(onDisk.reduce((a, b) => a + b, 0));
    expect(s.usedBytes).toBeGreaterThan(0);
    expect(s.storeCapacityBytes).toBeGreaterThan(0);
  });

  it("resync discards the history, writes blocks straight into the replica and restarts the window", async () => {
    const dir = await tempDir();
    const g = await openGroup(dir);
    await g.appendBatch(randomWrites(9, 30));
    await g.catchUp();
    await g.addBookmark({ name: "before", seq: 30, timestamp: 1 });
    await g.beginResync();
    expect(g.resyncing).toBe(true);
    expect(g.historyResets).toBe(1);
    await expect(g.readAt("vol-a", 30, 0, 512)).rejects.toThrow(RangeError);
    await expect(g.appendBatch(randomWrites(9, 31).slice(30))).rejects.toThrow(/resyncing/);
    const block = Buffer.alloc(4096, 0xab);
    await g.writeResyncBlock("vol-b", 8192, block);
    const [digest] = await g.blockChecksums("vol-b", 8192, 4096, 4096);
    const [zeroDigest] = await g.blockChecksums("vol-b", 0, 4096, 4096);
    expect(digest).toHaveLength(16);
    expect(digest!.equals(zeroDigest!)).toBe(false);
    await g.close();

    const again = await openGroup(dir);
    expect(again.resyncing).toBe(true);
    await again.endResync(500, 2_000_000);
    expect([again.durableSeq, again.appliedSeq, again.resyncing]).toEqual([500, 500, false]);
    expect(again.bookmarks()).toEqual([]);
    expect((await again.readAt("vol-b", 500, 8192, 4096)).equals(block)).toBe(true);
    const next = randomWrites(13, 1)[0]!;
    await again.appendBatch([{ ...next, seq: 501, timestamp: 2_000_001 }]);
    await again.catchUp();
    expect(again.recoverableRange()).toMatchObject({ oldestSeq: 500, oldestTimestamp: 2_000_000, newestSeq: 501 });
    expect((await again.readAt("vol-b", 500, 8192, 4096)).equals(block)).toBe(true);
  });
});
