/** Production building blocks: record checksums, the durable queue's torn-tail recovery, group commit. */
import { appendFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../lib/log.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { GroupCommit } from "./production/group-commit.ts";
import {
  decodeAll,
  encodeRecord,
  encodeRecordParts,
  encodeRecords,
  RecordFormatError,
} from "./production/record-codec.ts";
import { SourceLog } from "./production/source-log.ts";
import type { ReplicatedWrite } from "./records.ts";

const logger = createLogger("silent");
const write = (seq: number, fill = seq): ReplicatedWrite => ({
  seq,
  timestamp: 1_700_000_000 + seq,
  volume: "vol1",
  offset: seq * 4096,
  length: 4096,
  kind: "write",
  data: Buffer.alloc(4096, fill),
});

describe("record codec", () => {
  it("round-trips writes, zeroes and trims", () => {
    const records: ReplicatedWrite[] = [
      write(1),
      { seq: 2, timestamp: 5, volume: "v", offset: 0, length: 1 << 20, kind: "zero" },
      { seq: 3, timestamp: 6, volume: "v", offset: 8192, length: 4096, kind: "trim" },
    ];
    // A decoded write carries the CRC32 of its data, for the journal to keep.
    const [first, ...rest] = records;
    expect(decodeAll(encodeRecords(records))).toEqual([{ ...first, dataCrc: crc32(first!.data!) }, ...rest]);
  });

  it("encodes a write given in parts exactly as the same write in one buffer", () => {
    const whole = write(4);
    const data = whole.data!;
    const parts = [data.subarray(0, 100), data.subarray(100, 4000), data.subarray(4000)];
    expect(Buffer.concat(encodeRecordParts({ ...whole, data: undefined }, parts))).toEqual(encodeRecord(whole));
  });

  it("detects a flipped bit in the data and in the header", () => {
    for (const at of [100, 13]) {
      const buf = encodeRecord(write(7));
      buf.writeUInt8(buf.readUInt8(at) ^ 1, at);
      expect(() => decodeAll(buf)).toThrow(RecordFormatError);
    }
  });
});

describe("SourceLog", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await removeTempDir(dir);
  });

  it("keeps every whole record and cuts a torn tail after a crash", async () => {
    dir = await makeTempDir("source-log");
    const { log } = await SourceLog.open(dir, logger);
    await Promise.all([1, 2, 3].map((s) => log.append([encodeRecord(write(s))], s)));
    await log.sync();
    await log.close();
    const segment = join(dir, readdirSync(dir)[0]!);
    appendFileSync(segment, encodeRecord(write(4)).subarray(0, 1000));
    const reopened = await SourceLog.open(dir, logger);
    expect(reopened.records.map((r) => r.record.seq)).toEqual([1, 2, 3]);
    await reopened.log.append([encodeRecord(write(4, 0x44))], 4);
    await reopened.log.close();
    const again = await SourceLog.open(dir, logger);
    expect(again.records.map((r) => r.record.seq)).toEqual([1, 2, 3, 4]);
    expect(again.records[3]!.record.data![0]).toBe(0x44);
    await again.log.close();
  });

  it("says where each append landed and reads the records back from there, before and after a reopen", async () => {
    dir = await makeTempDir("source-log");
    const { log } = await SourceLog.open(dir, logger);
    const encoded = [1, 2, 3].map((s) => encodeRecord(write(s, s)));
    const positions = await Promise.all(encoded.map((e, i) => log.append([e], i + 1)));
    expect(positions.map((p) => p.at)).toEqual([0, encoded[0]!.length, encoded[0]!.length + encoded[1]!.length]);
    expect(await log.read(positions[1]!, encoded[1]!.length)).toEqual(encoded[1]);
    expect(await log.read(positions[0]!, encoded[0]!.length * 3)).toEqual(Buffer.concat(encoded));
    await log.close();
    const reopened = await SourceLog.open(dir, logger);
    expect(reopened.records.map((r) => r.position)).toEqual(positions);
    expect(await reopened.log.read(reopened.records[2]!.position, encoded[2]!.length)).toEqual(encoded[2]);
    await expect(reopened.log.read(positions[2]!, encoded[2]!.length + 1)).rejects.toThrow(/short read/);
    await reopened.log.close();
  });

  it("drops garbage that is not a record", async () => {
    dir = await makeTempDir("source-log");
    writeFileSync(join(dir, "0000000000000001.seg"), Buffer.concat([encodeRecord(write(1)), Buffer.from("garbage!")]));
    const { log, records } = await SourceLog.open(dir, logger);
    expect(records.map((r) => r.record.seq)).toEqual([1]);
    await log.close();
  });
});

describe("GroupCommit", () => {
  it("answers each caller with a run that started after its request, sharing runs", async () => {
    let runs = 0;
    let release: () => void = () => {};
    const gc = new GroupCommit(async () => {
      runs++;
      await new Promise<void>((r) => {
        release = r;
      });
    });
    const first = gc.run();
    const waiting = [gc.run(), gc.run(), gc.run()];
    expect(runs).toBe(1);
    release();
    await first;
    await new Promise((r) => setImmediate(r));
    // The three later callers share one second run: the first run started before they asked.
    expect(runs).toBe(2);
    release();
    await Promise.all(waiting);
    expect(runs).toBe(2);
  });
});
