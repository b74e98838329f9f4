/**
 * Reads a segment's bytes into verified records. A record that fails its checks is skipped by
 * searching for the next record that verifies; if none follows, the bad bytes are the segment's
 * tail, which the caller truncates (last segment: a write torn by a crash) or reports (sealed one).
 */
import { decodeAt, type JournalRecord, MAGIC } from "./record-codec.ts";

export interface ScannedRecord {
  record: JournalRecord;
  /** Byte offset of the record in its segment. */
  at: number;
  size: number;
}

export interface SegmentScan {
  records: ScannedRecord[];
  /** Bad records followed by good ones: corruption, never a torn write. */
  corrupt: { offset: number; reason: string }[];
  /** Bad bytes running to the end of the segment. */
  tail: { offset: number; reason: string } | null;
}

const MAGIC_BYTES = Buffer.alloc(4);
MAGIC_BYTES.writeUInt32LE(MAGIC);

export function scanSegment(buf: Buffer): SegmentScan {
  const scan: SegmentScan = { records: [], corrupt: [], tail: null };
  let at = 0;
  while (at < buf.length) {
    const d = decodeAt(buf, at);
    if (d.ok) {
      scan.records.push({ record: d.record, at, size: d.size });
      at += d.size;
      continue;
    }
    const next = nextVerifiedRecord(buf, at + 1);
    if (next < 0) {
      scan.tail = { offset: at, reason: d.reason };
      break;
    }
    scan.corrupt.push({ offset: at, reason: d.reason });
    at = next;
  }
  return scan;
}

function nextVerifiedRecord(buf: Buffer, from: number): number {
  for (let at = buf.indexOf(MAGIC_BYTES, from); at >= 0; at = buf.indexOf(MAGIC_BYTES, at + 1)) {
    if (decodeAt(buf, at).ok) return at;
  }
  return -1;
}
