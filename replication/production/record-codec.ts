/**
 * Binary form of a ReplicatedWrite, shared by the durable source queue and the link. Each record
 * carries the CRC32 of its data and a CRC32 over its header (data CRC included) and volume name,
 * so a torn queue tail or a damaged batch is detected instead of applied. The data CRC travels on
 * into the recovery journal (records.ts `dataCrc`).
 */
// CRC-32 (IEEE, the same values as zlib.crc32) with SIMD: ~9× zlib.crc32 on this machine.
import { crc32 } from "@node-rs/crc32";
import type { ChangeKind, ReplicatedWrite } from "../records.ts";

const MAGIC = 0x52505732; // "RPW2"
/** magic u32, header crc u32, total u32, seq f64, ts f64, offset f64, length u32, kind u8, nameLen u8, data crc u32. */
export const RECORD_HEADER_BYTES = 46;
const DATA_CRC_AT = 42;
const KINDS: ChangeKind[] = ["write", "zero", "trim"];

export class RecordFormatError extends Error {
  override name = "RecordFormatError";
}

/** Bytes of the encoded record: header, name, and `length` bytes of data for a write. */
export function encodedSize(r: Omit<ReplicatedWrite, "seq" | "timestamp">): number {
  return RECORD_HEADER_BYTES + Buffer.byteLength(r.volume) + (r.kind === "write" ? r.length : 0);
}

/**
 * A record as [header, ...data]: the data stays the client's buffers, as the NBD connection
 * received them (no copy of up to 32 MiB per write).
 */
export function encodeRecordParts(r: ReplicatedWrite, data: readonly Buffer[] = r.data ? [r.data] : []): Buffer[] {
  const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES + Buffer.byteLength(r.volume));
  const nameLen = head.write(r.volume, RECORD_HEADER_BYTES, "utf8");
  let dataBytes = 0;
  let dataCrc = 0;
  for (const part of data) {
    dataBytes += part.length;
    dataCrc = crc32(part, dataCrc);
  }
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(head.length + dataBytes, 8);
  head.writeDoubleLE(r.seq, 12);
  head.writeDoubleLE(r.timestamp, 20);
  head.writeDoubleLE(r.offset, 28);
  head.writeUInt32LE(r.length, 36);
  head.writeUInt8(KINDS.indexOf(r.kind), 40);
  head.writeUInt8(nameLen, 41);
  head.writeUInt32LE(dataCrc, DATA_CRC_AT);
  head.writeUInt32LE(crc32(head.subarray(8)), 4);
  return [head, ...data];
}

export function encodeRecord(r: ReplicatedWrite): Buffer {
  return Buffer.concat(encodeRecordParts(r));
}

/** Concatenates records into one buffer. */
export function encodeRecords(records: readonly ReplicatedWrite[]): Buffer {
  return Buffer.concat(records.flatMap((r) => encodeRecordParts(r)));
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
  const dataStart = at + RECORD_HEADER_BYTES + nameLen;
  if (crc32(buf.subarray(at + 8, dataStart)) !== buf.readUInt32LE(at + 4))
    throw new RecordFormatError(`record header checksum mismatch at ${at}`);
  const dataCrc = buf.readUInt32LE(at + DATA_CRC_AT);
  if (crc32(buf.subarray(dataStart, at + total)) !== dataCrc)
    throw new RecordFormatError(`record data checksum mismatch at ${at}`);
  const kind = KINDS[buf.readUInt8(at + 40)];
  if (!kind) throw new RecordFormatError(`bad record kind at ${at}`);
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
    record.dataCrc = dataCrc;
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
