/**
 * Append: received redo made durable with one write and one fdatasync per batch. Records at or
 * below durableSeq are ignored (a resend after reconnect); the first new one must be durableSeq+1.
 */
import type { ReplicatedWrite } from "../records.ts";
import { extentsOf } from "./extent-index.ts";
import { encodedSize, encodeRecordParts, type JournalRecord, RecordType } from "./record-codec.ts";
import type { JournalState } from "./state.ts";

/** appendBatch refused: accepting the batch would leave more undistributed data than the journal's capacity. */
export class JournalFullError extends Error {
  readonly code = "ENOSPC";
  constructor(message: string) {
    super(message);
    this.name = "JournalFullError";
  }
}

/** Resolves once the batch is durable; true when it held new records (distribution has work). */
export function appendBatch(s: JournalState, records: ReplicatedWrite[]): Promise<boolean> {
  return s.journalLock.run(async () => {
    s.assertWritable();
    const durable = s.window.durableSeq;
    const fresh = records.filter((r) => r.seq > durable);
    if (fresh.length === 0) return false;
    fresh.forEach((r, i) => {
      if (r.seq !== durable + 1 + i)
        throw new Error(
          i === 0
            ? `seq gap: expected ${durable + 1}, got ${r.seq}; resend from ${durable + 1}`
            : `batch is not contiguous at seq ${r.seq}`,
        );
      validateWrite(s, r);
    });
    const redo = fresh.map(toRedoRecord);
    const bytes = redo.reduce((n, r) => n + encodedSize(r.volume, r.payload.length), 0);
    const capacity = s.opts.group.retention.capacity;
    const undistributed = s.index.undistributedBytes;
    if (undistributed + bytes > capacity)
      throw new JournalFullError(
        `journal full: ${undistributed} undistributed bytes + batch of ${bytes} exceed capacity ${capacity}; retry later`,
      );
    const where = await s.store.append(encodeRecordParts(redo), true);
    for (const extent of extentsOf(redo, where)) {
      s.index.addRedo(extent, where.ordinal);
      s.window.noteTimestamp(extent.seq, extent.timestamp);
    }
    s.window.markDurable(fresh.at(-1)!.seq);
    return true;
  });
}

function validateWrite(s: JournalState, r: ReplicatedWrite): void {
  if (!Number.isFinite(r.timestamp)) throw new Error(`seq ${r.seq}: invalid timestamp`);
  if (r.kind !== "write" && r.kind !== "zero" && r.kind !== "trim") throw new Error(`seq ${r.seq}: invalid kind`);
  if (r.length > 0xffffffff) throw new Error(`seq ${r.seq}: record longer than 4 GiB`);
  s.replicas.checkRange(r.volume, r.offset, r.length);
  if (r.kind === "write" && (!Buffer.isBuffer(r.data) || r.data.length !== r.length))
    throw new Error(`seq ${r.seq}: write data must be exactly ${r.length} bytes`);
}

function toRedoRecord(w: ReplicatedWrite): JournalRecord {
  const type =
    w.kind === "write" ? RecordType.redoWrite : w.kind === "zero" ? RecordType.redoZero : RecordType.redoTrim;
  return {
    type,
    flags: 0,
    seq: w.seq,
    timestamp: w.timestamp,
    volume: w.volume,
    offset: w.offset,
    length: w.length,
    payload: w.kind === "write" ? w.data! : Buffer.alloc(0),
    payloadCrc: w.kind === "write" ? w.dataCrc : undefined,
  };
}
