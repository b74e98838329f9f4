import { spawn } from "node:child_process";
import { readdir, readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Journal, type JournalOptions } from "./journal.ts";
import { encodeRecords, RecordType } from "./record-codec.ts";
import { scanSegment } from "./segment-scan.ts";
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

type Writes = ReturnType<typeof randomWrites>;
const open: Journal[] = [];
async function openGroup(dir: string, extra: Partial<JournalOptions> = {}): Promise<Journal> {
  const g = await Journal.open({
    dir,
    group: groupConfig(),
    logger: silentLogger,
    segmentBytes: 64 * 1024,
    now: () => 1_001_000,
    ...extra,
  });
  open.push(g);
  return g;
}
afterEach(async () => {
  for (const g of open.splice(0)) await g.close();
  await removeTempDirs();
});

async function expectReplicas(dir: string, writes: Writes, seq: number) {
  const expected = expectedImages(writes, seq);
  for (const v of VOLUMES) expect((await readFile(join(dir, `${v}.img`))).equals(expected.get(v)!), v).toBe(true);
}

async function expectImageAt(g: Journal, writes: Writes, seq: number) {
  const expected = expectedImages(writes, seq);
  for (const v of VOLUMES) expect((await g.readAt(v, seq, 0, VOLUME_BYTES)).equals(expected.get(v)!), v).toBe(true);
}

async function segments(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.startsWith("seg-")).sort();
}

/** Segment and offset of the record of `type` with `seq`. */
async function locate(dir: string, type: RecordType, seq: number) {
  for (const name of await segments(dir)) {
    const hit = scanSegment(await readFile(join(dir, name))).records.find(
      (s) => s.record.type === type && s.record.seq === seq,
    );
    if (hit) return { path: join(dir, name), name, ...hit };
  }
  throw new Error(`no record ${type}/${seq}`);
}

async function flipByte(path: string, at: number) {
  const buf = await readFile(path);
  buf[at]! ^= 0xff;
  await writeFile(path, buf);
}

describe("Journal crash recovery", () => {
  it("cuts a torn tail back to the last whole record", async () => {
    const dir = await tempDir();
    const writes = randomWrites(21, 21);
    const g = await openGroup(dir, { autoDistribute: false });
    for (const b of batches(writes.slice(0, 20), 22)) await g.appendBatch(b);
    await g.close();
    const last = join(dir, (await segments(dir)).at(-1)!);
    const before = (await readFile(last)).length;
    const torn = encodeRecords([
      {
        type: RecordType.redoWrite,
        flags: 0,
        seq: 21,
        timestamp: 1,
        volume: "vol-a",
        offset: 0,
        length: 4096,
        payload: Buffer.alloc(4096, 7),
      },
    ]).subarray(0, 1000);
    await writeFile(last, torn, { flag: "a" });

    const events: unknown[] = [];
    // No background distribution: its undo records would land in `last` while the length is checked.
    const again = await openGroup(dir, { autoDistribute: false, onEvent: (e) => events.push(e) });
    expect(again.durableSeq).toBe(20);
    expect((await readFile(last)).length).toBe(before);
    expect(events).toEqual([]);
    await again.appendBatch([writes[20]!]);
    await again.catchUp();
    await expectReplicas(dir, writes, 21);
    expect(again.journalStatus().corruptRecordsTotal).toBe(0);
  });

  it("reports a corrupt redo record, never applies it and stops distribution before it", async () => {
    const dir = await tempDir();
    const writes = randomWrites(31, 30);
    const g = await openGroup(dir, { autoDistribute: false });
    for (let i = 0; i < 30; i += 5) await g.appendBatch(writes.slice(i, i + 5));
    await g.close();
    const bad = await locate(dir, RecordType.redoWrite, writes.find((w) => w.seq >= 12 && w.kind === "write")!.seq);
    await flipByte(bad.path, bad.at + bad.size - 1); // last payload byte

    const events: unknown[] = [];
    const again = await openGroup(dir, { onEvent: (e) => events.push(e) });
    await again.catchUp();
    const lost = bad.record.seq;
    expect(events).toEqual([
      { type: "corrupt-record", segment: bad.name, offset: bad.at, reason: "payload checksum mismatch" },
    ]);
    expect(again.journalStatus().corruptRecordsTotal).toBe(1);
    expect(again.fault).toMatch(new RegExp(`redo seq ${lost} is missing`));
    expect([again.appliedSeq, again.durableSeq]).toEqual([lost - 1, 30]);
    expect(again.recoverableRange().newestSeq).toBe(lost - 1);
    await expectReplicas(dir, writes, lost - 1);
    await expectImageAt(again, writes, lost - 1);
    await expect(again.readAt("vol-a", lost, 0, 512)).rejects.toThrow(RangeError);
  });

  it("a corrupt undo record moves the oldest recoverable point past it", async () => {
    const dir = await tempDir();
    const writes = randomWrites(41, 40);
    const g = await openGroup(dir, { autoDistribute: false });
    for (let i = 0; i < 40; i += 4) {
      await g.appendBatch(writes.slice(i, i + 4));
      await g.catchUp();
    }
    await g.close();
    const bad = await locate(dir, RecordType.undo, 10);
    await flipByte(bad.path, bad.at + 20); // inside the header's timestamp

    const again = await openGroup(dir);
    expect(again.journalStatus().corruptRecordsTotal).toBe(1);
    expect(again.recoverableRange().oldestSeq).toBe(10);
    expect(again.fault).toBeNull();
    await expectImageAt(again, writes, 10);
    await expectImageAt(again, writes, 25);
    await expect(again.readAt("vol-b", 9, 0, 512)).rejects.toThrow(/outside the recoverable window \[10, 40\]/);
  });

  it("re-applies a distribution interrupted after its undo was durable, without capturing new bytes as old", async () => {
    const dir = await tempDir();
    const writes = randomWrites(51, 20);
    // One segment for redo, undo and marker, so nothing is reclaimed (which would persist appliedSeq).
    const g = await openGroup(dir, { autoDistribute: false, segmentBytes: 4 * 1024 * 1024 });
    await g.appendBatch(writes);
    await g.catchUp(); // one distribution batch: undo 1..20, replica writes, applied marker
    await g.close();
    // Crash before the replica writes reached the disk: no applied marker, replicas half written.
    const last = join(dir, (await segments(dir)).at(-1)!);
    const marker = await locate(dir, RecordType.applied, 20);
    expect(marker.at + marker.size).toBe((await readFile(last)).length);
    await truncate(last, marker.at);
    const half = expectedImages(writes, 9);
    for (const v of VOLUMES) await writeFile(join(dir, `${v}.img`), half.get(v)!);

    const again = await openGroup(dir);
    expect([again.appliedSeq, again.durableSeq]).toEqual([20, 20]);
    await expectReplicas(dir, writes, 20);
    for (const seq of [0, 5, 15]) await expectImageAt(again, writes, seq);
  });

  it("after kill -9 of a writer, everything acknowledged is present and the replica is consistent", async () => {
    const dir = await tempDir();
    const seed = 61;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "crash-child.ts"), dir, String(seed)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let acked = 0;
    let pendingText = "";
    await new Promise<void>((resolve, reject) => {
      child.on("exit", (code, signal) =>
        signal === "SIGKILL" ? resolve() : reject(new Error(`child exited ${code}`)),
      );
      child.stdout.on("data", (chunk: Buffer) => {
        pendingText += chunk.toString();
        const lines = pendingText.split("\n");
        pendingText = lines.pop()!;
        for (const line of lines) acked = Math.max(acked, Number(line.split(" ")[1]));
        if (acked >= 200 && !child.killed) child.kill("SIGKILL");
      });
    });
    expect(acked).toBeGreaterThanOrEqual(200);

    const writes = randomWrites(seed, 5000);
    const g = await openGroup(dir);
    expect(g.durableSeq).toBeGreaterThanOrEqual(acked);
    expect(g.appliedSeq).toBeLessThanOrEqual(g.durableSeq);
    await expectImageAt(g, writes, g.appliedSeq); // consistent at some seq straight after the crash
    await g.catchUp();
    expect(g.appliedSeq).toBe(g.durableSeq);
    await expectReplicas(dir, writes, g.durableSeq);
    await expectImageAt(g, writes, Math.floor(acked / 2));
    expect(g.journalStatus().corruptRecordsTotal).toBe(0);
  });
});
