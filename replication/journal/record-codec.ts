/**
 * Binary format of one journal record (docs/journal.md §1). Every record carries a CRC32 of its
 * payload and a CRC32 over its header (payload CRC included) and volume name, in the spirit of
 * LTX's per-file checksums (anchors.md §2): a record is either whole and verified, or it is not
 * used at all. A redo's payload CRC is the one the production site computed when the client
 * wrote the bytes, carried over the link: the bytes are checked end to end and summed once.
 */
// CRC-32 (IEEE, the same values as zlib.crc32) with SIMD: ~9× zlib.crc32 on this machine.
import { crc32 } from "@node-rs/crc32";

export const RecordType = {
  /** Received change not yet (or already) distributed: new bytes for the replica. */
  redoWrite: 1,
  redoZero: 2,
  redoTrim: 3,
  /** The replica's bytes just before the redo with the same seq was distributed. */
  undo: 4,
  /** Every seq up to this one is on the replicas' stable storage. */
  applied: 5,
  bookmark: 6,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Undo records whose old bytes were all zero carry no payload (sparse replicas are mostly zero). */
export const FLAG_ZERO_PAYLOAD = 1;

export const MAGIC = 0x4a4f5052; // "RPOJ" little-endian
export const HEADER_BYTES = 48;
const PAYLOAD_CRC_AT = 40;
export const CRC_AT = 44;
const MAX_NAME_BYTES = 255;

export interface JournalRecord {
  type: RecordType;
  flags: number;
  seq: number;
  timestamp: number;
  /** Empty for applied markers and bookmarks. */
  volume: string;
  offset: number;
  length: number;
  payload: Buffer;
  /** CRC32 of the payload when already known (a redo's, from the production site); computed otherwise. */
  payloadCrc?: number;
}

export function encodedSize(volume: string, payloadBytes: number): number {
  return HEADER_BYTES + Buffer.byteLength(volume) + payloadBytes;
}

/**
 * Encodes records as [header + name, payload, ...] parts: payloads (up to 1 MiB each) are written
 * with writev as they are, not copied into one buffer first.
 */
export function encodeRecordParts(records: readonly JournalRecord[]): Buffer[] {
  const parts: Buffer[] = [];
  for (const r of records) {
    const head = Buffer.allocUnsafe(HEADER_BYTES + Buffer.byteLength(r.volume));
    const nameBytes = head.write(r.volume, HEADER_BYTES, "utf8");
    if (nameBytes > MAX_NAME_BYTES) throw new Error(`volume name too long: ${r.volume}`);
    head.writeUInt32LE(MAGIC, 0);
    head.writeUInt8(r.type, 4);
    head.writeUInt8(r.flags, 5);
    head.writeUInt8(nameBytes, 6);
    head.writeUInt8(0, 7);
    head.writeBigUInt64LE(BigInt(r.seq), 8);
    head.writeDoubleLE(r.timestamp, 16);
    head.writeBigUInt64LE(BigInt(r.offset), 24);
    head.writeUInt32LE(r.length, 32);
    head.writeUInt32LE(r.payload.length, 36);
    head.writeUInt32LE(r.payloadCrc ?? crc32(r.payload), PAYLOAD_CRC_AT);
    head.writeUInt32LE(headerChecksum(head, 0, head.length), CRC_AT);
    parts.push(head);
    if (r.payload.length > 0) parts.push(r.payload);
  }
  return parts;
}

export function encodeRecords(records: readonly JournalRecord[]): Buffer {
  return Buffer.concat(encodeRecordParts(records));
}

/** CRC over the header before the checksum field (payload CRC included), then the name (journal.md §1). */
export function headerChecksum(buf: Buffer, start: number, nameEnd: number): number {
  return crc32(buf.subarray(start + HEADER_BYTES, nameEnd), crc32(buf.subarray(start, start + CRC_AT)));
}

export type Decoded = { ok: true; record: JournalRecord; size: number } | { ok: false; reason: string };

/** Decodes the record at `at`; the payload is a view into `buf`. Never throws on bad bytes. */
export function decodeAt(buf: Buffer, at: number): Decoded {
  if (buf.length - at < HEADER_BYTES) return { ok: false, reason: "truncated header" };
  if (buf.readUInt32LE(at) !== MAGIC) return { ok: false, reason: "bad magic" };
  const type = buf.readUInt8(at + 4);
  const flags = buf.readUInt8(at + 5);
  const nameBytes = buf.readUInt8(at + 6);
  const length = buf.readUInt32LE(at + 32);
  const payloadBytes = buf.readUInt32LE(at + 36);
  const size = HEADER_BYTES + nameBytes + payloadBytes;
  if (buf.length - at < size) return { ok: false, reason: "truncated record" };
  const nameEnd = at + HEADER_BYTES + nameBytes;
  if (headerChecksum(buf, at, nameEnd) !== buf.readUInt32LE(at + CRC_AT))
    return { ok: false, reason: "header checksum mismatch" };
  const shape = shapeError(type, flags, length, payloadBytes, nameBytes);
  if (shape) return { ok: false, reason: shape };
  const payload = buf.subarray(nameEnd, at + size);
  const payloadCrc = buf.readUInt32LE(at + PAYLOAD_CRC_AT);
  if (crc32(payload) !== payloadCrc) return { ok: false, reason: "payload checksum mismatch" };
  const seq = Number(buf.readBigUInt64LE(at + 8));
  const offset = Number(buf.readBigUInt64LE(at + 24));
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(offset))
    return { ok: false, reason: "seq or offset overflow" };
  return {
    ok: true,
    size,
    record: {
      type: type as RecordType,
      flags,
      seq,
      timestamp: buf.readDoubleLE(at + 16),
      volume: buf.toString("utf8", at + HEADER_BYTES, nameEnd),
      offset,
      length,
      payload,
      payloadCrc,
    },
  };
}

// A record can pass its CRC and still be impossible (e.g. written by a buggy peer); reject those too.
function shapeError(type: number, flags: number, length: number, payload: number, name: number): string | null {
  switch (type) {
    case RecordType.redoWrite:
      return payload === length && name > 0 ? null : "redo write payload does not match its length";
    case RecordType.redoZero:
    case RecordType.redoTrim:
      return payload === 0 && name > 0 ? null : "zero/trim record with a payload";
    case RecordType.undo: {
      const expected = flags & FLAG_ZERO_PAYLOAD ? 0 : length;
      return payload === expected && name > 0 ? null : "undo payload does not match its length";
    }
    case RecordType.applied:
      return payload === 0 ? null : "applied marker with a payload";
    case RecordType.bookmark:
      return payload > 0 ? null : "bookmark without a name";
    default:
      return `unknown record type ${type}`;
  }
}

export function isRedo(type: RecordType): boolean {
  return type === RecordType.redoWrite || type === RecordType.redoZero || type === RecordType.redoTrim;
}
