/**
 * Rebuilds the journal's in-memory picture on open: every verified record of every segment,
 * in order. Cuts a torn tail off the last segment; reports (never uses) records that fail.
 */
import type { Logger } from "../../lib/log.ts";
import type { Extent } from "./extents.ts";
import { FLAG_ZERO_PAYLOAD, isRedo, type JournalRecord, RecordType } from "./record-codec.ts";
import type { ScannedRecord } from "./segment-scan.ts";
import { scanSegment } from "./segment-scan.ts";
import type { SegmentStore } from "./segment-store.ts";

/** What retention needs to know about a segment to decide whether it may be deleted. */
export interface SegmentUsage {
  maxRedoSeq: number;
  maxUndoSeq: number;
  maxUndoTimestamp: number;
}

export interface CorruptRecord {
  segment: string;
  offset: number;
  reason: string;
}

export interface LoadedJournal {
  /** Redo records in seq order. */
  redo: Extent[];
  /** Undo records newer than the base, in seq order. */
  undo: Extent[];
  /** Highest seq named by an applied marker (0 when none). */
  appliedMarker: number;
  usage: Map<number, SegmentUsage>;
  timestamps: Map<number, number>;
  corrupt: CorruptRecord[];
  /** Undo records are missing below this seq (a corrupt one): no point older than it can be rebuilt. */
  undoChainFloor: number;
}

export function emptyUsage(): SegmentUsage {
  return { maxRedoSeq: 0, maxUndoSeq: 0, maxUndoTimestamp: 0 };
}

export function extentOf(r: JournalRecord, ordinal: number, scanned: Pick<ScannedRecord, "at" | "size">): Extent {
  const zero = r.type === RecordType.redoZero || r.type === RecordType.redoTrim || (r.flags & FLAG_ZERO_PAYLOAD) !== 0;
  return {
    seq: r.seq,
    timestamp: r.timestamp,
    volume: r.volume,
    offset: r.offset,
    length: r.length,
    payload: zero ? null : { ordinal, at: scanned.at + scanned.size - r.payload.length },
    bytes: scanned.size,
  };
}

export async function loadJournal(
  store: SegmentStore,
  baseSeq: number,
  volumes: ReadonlyMap<string, number>,
  logger: Logger,
): Promise<LoadedJournal> {
  const j: LoadedJournal = {
    redo: [],
    undo: [],
    appliedMarker: 0,
    usage: new Map(),
    timestamps: new Map(),
    corrupt: [],
    undoChainFloor: 0,
  };
  let lastUndo = baseSeq;
  const files = store.list();
  for (const [i, file] of files.entries()) {
    const scan = scanSegment(await store.readWhole(file.ordinal));
    for (const c of scan.corrupt) j.corrupt.push({ segment: file.name, ...c });
    if (scan.tail && i === files.length - 1) {
      logger.warn({ segment: file.name, offset: scan.tail.offset, reason: scan.tail.reason }, "journal: torn tail cut");
      await store.truncate(file.ordinal, scan.tail.offset);
    } else if (scan.tail) {
      j.corrupt.push({ segment: file.name, ...scan.tail });
    }
    const usage = emptyUsage();
    j.usage.set(file.ordinal, usage);
    for (const s of scan.records) {
      const r = s.record;
      if (r.type === RecordType.applied) {
        j.appliedMarker = Math.max(j.appliedMarker, r.seq);
        continue;
      }
      if (r.type === RecordType.bookmark) continue;
      // A record that verifies but names a range no volume has is as unusable as a corrupt one.
      const size = volumes.get(r.volume);
      if (size === undefined || r.offset + r.length > size) {
        j.corrupt.push({
          segment: file.name,
          offset: s.at,
          reason: `range ${r.volume}:${r.offset}+${r.length} invalid`,
        });
        continue;
      }
      const extent = extentOf(r, file.ordinal, s);
      if (isRedo(r.type)) {
        usage.maxRedoSeq = Math.max(usage.maxRedoSeq, r.seq);
        if (r.seq > (j.redo.at(-1)?.seq ?? 0)) j.redo.push(extent);
      } else {
        usage.maxUndoSeq = Math.max(usage.maxUndoSeq, r.seq);
        usage.maxUndoTimestamp = Math.max(usage.maxUndoTimestamp, r.timestamp);
        if (r.seq <= lastUndo) continue;
        if (r.seq > lastUndo + 1) j.undoChainFloor = r.seq - 1;
        j.undo.push(extent);
        lastUndo = r.seq;
      }
      if (r.seq > baseSeq) j.timestamps.set(r.seq, r.timestamp);
    }
  }
  return j;
}
