import { describe, expect, it } from "vitest";
import {
  CRC_AT,
  decodeAt,
  encodeRecords,
  HEADER_BYTES,
  headerChecksum,
  type JournalRecord,
  RecordType,
} from "./record-codec.ts";
import { scanSegment } from "./segment-scan.ts";

const redo = (seq: number, fill: number): JournalRecord => ({
  type: RecordType.redoWrite,
  flags: 0,
  seq,
  timestamp: 1_700_000_000.25,
  volume: "vol-a",
  offset: 4096 * seq,
  length: 512,
  payload: Buffer.alloc(512, fill),
});

describe("record codec and segment scan", () => {
  it("round-trips records", () => {
    const buf = encodeRecords([redo(1, 1), redo(2, 2)]);
    const scan = scanSegment(buf);
    expect(scan.corrupt).toEqual([]);
    expect(scan.tail).toBeNull();
    expect(scan.records.map((s) => [s.record.seq, s.record.offset, s.record.timestamp, s.record.payload[0]])).toEqual([
      [1, 4096, 1_700_000_000.25, 1],
      [2, 8192, 1_700_000_000.25, 2],
    ]);
  });

  it("skips a corrupt record to the next one that verifies, and reports a bad end as the tail", () => {
    const buf = encodeRecords([redo(1, 1), redo(2, 2), redo(3, 3)]);
    const second = scanSegment(buf).records[1]!;
    buf[second.at + 8]! ^= 0x01; // seq field
    const torn = Buffer.concat([buf, encodeRecords([redo(4, 4)]).subarray(0, 100)]);
    const scan = scanSegment(torn);
    expect(scan.records.map((s) => s.record.seq)).toEqual([1, 3]);
    expect(scan.corrupt).toEqual([{ offset: second.at, reason: "header checksum mismatch" }]);
    expect(scan.tail).toEqual({ offset: buf.length, reason: "truncated record" });
  });

  it("rejects a record whose checksum holds but whose shape is impossible", () => {
    const buf = encodeRecords([{ ...redo(1, 1), type: RecordType.redoZero }]);
    // Re-seal the CRC the way a buggy writer would, so only the shape check can catch it.
    buf.writeUInt32LE(headerChecksum(buf, 0, HEADER_BYTES + "vol-a".length), CRC_AT);
    expect(decodeAt(buf, 0)).toEqual({ ok: false, reason: "zero/trim record with a payload" });
  });
});
