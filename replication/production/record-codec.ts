/**
 * Binary form of a ReplicatedWrite, shared by the durable source queue and the link. Each record
 * carries a CRC32 over everything after the checksum field, so a torn queue tail or a damaged
 * batch is detected instead of applied.
 */
import { crc32 } from "node:zlib";
import type { ChangeKind, ReplicatedWrite } from "../records.ts";

const MAGIC = 0x52505731; // "RPW1"
/** magic u32, crc u32, total u32, seq f64, ts f64, offset f64, length u32, kind u8, nameLen u8. */
export const RECORD_HEADER_BYTES = 42;
const KINDS: ChangeKind[] = ["write", "zero", "trim"];

export class RecordFormatError extends Error {
  override name = "RecordFormatError";
}

export function encodedSize(r: ReplicatedWrite): number {
  return RECORD_HEADER_BYTES + Buffer.byteLength(r.volume) + (r.data?.length ?? 0);
}

/**
 * A record as [header, data]: the data stays the client's buffer (no copy of up to 32 MiB per
 * write); the header's CRC covers the header after the checksum field, then the data.
 */
export function encodeRecordParts(r: ReplicatedWrite): Buffer[] {
  const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES + Buffer.byteLength(r.volume));
  const nameLen = head.write(r.volume, RECORD_HEADER_BYTES, "utf8");
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(head.length + (r.data?.length ?? 0), 8);
  head.writeDoubleLE(r.seq, 12);
  head.writeDoubleLE(r.timestamp, 20);
  head.writeDoubleLE(r.offset, 28);
  head.writeUInt32LE(r.length, 36);
  head.writeUInt8(KINDS.indexOf(r.kind), 40);
  head.writeUInt8(nameLen, 41);
  const headCrc = crc32(head.subarray(8));
  head.writeUInt32LE(r.data ? crc32(r.data, headCrc) : headCrc, 4);
  return r.data ? [head, r.data] : [head];
}

export function encodeRecord(r: ReplicatedWrite): Buffer {
  return Buffer.concat(encodeRecordParts(r));
}

/** Concatenates records into one buffer. */
export function encodeRecords(records: readonly ReplicatedWrite[]): Buffer {
  return Buffer.concat(records.flatMap(encodeRecordParts));
}

/**
 * Decodes the record at `at`. Returns null when the buffer ends before the record does (a torn
 * tail); throws RecordFormatError when the bytes are not a valid record.
 */
export function decodeRecord(
  buf: Buffer,
  at: number,
  copyData = true,
): { record: ReplicatedWrite; size: number } | null {
  if (buf.length - at < RECORD_HEADER_BYTES) return null;
  if (buf.readUInt32LE(at) !== MAGIC) throw new RecordFormatError(`bad record magic at ${at}`);
  const total = buf.readUInt32LE(at + 8);
  const nameLen = buf.readUInt8(at + 41);
  if (total < RECORD_HEADER_BYTES + nameLen) throw new RecordFormatError(`bad record length at ${at}`);
  if (buf.length - at < total) return null;
  if (crc32(buf.subarray(at + 8, at + total)) !== buf.readUInt32LE(at + 4))
    throw new RecordFormatError(`record checksum mismatch at ${at}`);
  const kind = KINDS[buf.readUInt8(at + 40)];
  if (!kind) throw new RecordFormatError(`bad record kind at ${at}`);
  const dataStart = at + RECORD_HEADER_BYTES + nameLen;
  const length = buf.readUInt32LE(at + 36);
  const record: ReplicatedWrite = {
    seq: buf.readDoubleLE(at + 12),
    timestamp: buf.readDoubleLE(at + 20),
    offset: buf.readDoubleLE(at + 28),
    length,
    kind,
    volume: buf.toString("utf8", at + RECORD_HEADER_BYTES, dataStart),
  };
  if (kind === "write") {
    if (total - (dataStart - at) !== length) throw new RecordFormatError(`write record data length mismatch at ${at}`);
    const data = buf.subarray(dataStart, at + total);
    record.data = copyData ? Buffer.from(data) : data;
  }
  return { record, size: total };
}

/** Decodes a buffer that must hold whole records only (a link batch); data stays a view of `buf`. */
export function decodeAll(buf: Buffer): ReplicatedWrite[] {
  const out: ReplicatedWrite[] = [];
  let at = 0;
  while (at < buf.length) {
    const next = decodeRecord(buf, at, false);
    if (!next) throw new RecordFormatError(`truncated record at ${at}`);
    out.push(next.record);
    at += next.size;
  }
  return out;
}
