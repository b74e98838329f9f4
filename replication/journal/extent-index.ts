/**
 * The journal's in-memory index: undistributed redo (in seq order, and per volume in an interval
 * index), undo per volume (interval index), how many bytes wait for distribution, and per segment
 * the newest seqs retention needs.
 */
import { ExtentMap } from "./extent-map.ts";
import type { Extent } from "./extents.ts";
import { emptyUsage, extentOf, type SegmentUsage } from "./journal-load.ts";
import { lateUndo, type Piece, type PointOfRead, planRead } from "./read-plan.ts";
import { encodedSize, type JournalRecord } from "./record-codec.ts";
import type { TrimCandidate } from "./retention.ts";
import type { SegmentFile } from "./segment-store.ts";
import { SeqList } from "./seq-list.ts";

export class ExtentIndex {
  private readonly pending = new SeqList<Extent>();
  private readonly pendingByVolume = new Map<string, ExtentMap>();
  private readonly undoByVolume = new Map<string, ExtentMap>();
  private readonly usage = new Map<number, SegmentUsage>();
  private undistributed = 0;

  constructor(volumes: readonly string[]) {
    for (const v of volumes) {
      this.pendingByVolume.set(v, new ExtentMap());
      this.undoByVolume.set(v, new ExtentMap());
    }
  }

  get undistributedBytes(): number {
    return this.undistributed;
  }

  firstPendingSeq(): number | undefined {
    return this.pending.first()?.seq;
  }

  /** Undistributed redo with lo < seq <= hi. */
  pendingRange(lo: number, hi: number): Extent[] {
    return this.pending.range(lo, hi);
  }

  /** Where the bytes of a volume's range as of `at` come from (read-plan.ts). */
  planRead(volume: string, at: PointOfRead, offset: number, length: number): Piece[] {
    const sources = { undo: this.undoByVolume.get(volume)!, redo: this.pendingByVolume.get(volume)! };
    return planRead(sources, at, offset, length);
  }

  /** Seq of the newest undo the volume ever had indexed. */
  lastUndoSeq(volume: string): number {
    return this.undoByVolume.get(volume)!.lastSeq;
  }

  /** Which of `replicaPieces` undo above `afterSeq` now covers (read-plan.ts `lateUndo`). */
  lateUndo(volume: string, replicaPieces: readonly Piece[], afterSeq: number): Piece[] {
    return lateUndo(this.undoByVolume.get(volume)!, replicaPieces, afterSeq);
  }

  /** Undistributed redo; `ordinal` when it was just appended (on open, segment usage comes from the scan). */
  addRedo(extent: Extent, ordinal?: number): void {
    this.pending.push(extent);
    this.pendingByVolume.get(extent.volume)!.add(extent);
    this.undistributed += extent.bytes;
    if (ordinal !== undefined) this.usageOf(ordinal).maxRedoSeq = extent.seq;
  }

  addUndo(extent: Extent, ordinal?: number): void {
    this.undoByVolume.get(extent.volume)!.add(extent);
    if (ordinal === undefined) return;
    const usage = this.usageOf(ordinal);
    usage.maxUndoSeq = extent.seq;
    usage.maxUndoTimestamp = Math.max(usage.maxUndoTimestamp, extent.timestamp);
  }

  /** Redo through `applied` is on the replicas now. */
  dropDistributed(applied: number): void {
    for (const e of this.pending.dropThrough(applied)) this.undistributed -= e.bytes;
    for (const list of this.pendingByVolume.values()) list.dropThrough(applied);
  }

  /** Undo through `base` left the window. */
  dropUndoThrough(base: number): void {
    for (const list of this.undoByVolume.values()) list.dropThrough(base);
  }

  usageOf(ordinal: number): SegmentUsage {
    let u = this.usage.get(ordinal);
    if (!u) {
      u = emptyUsage();
      this.usage.set(ordinal, u);
    }
    return u;
  }

  setUsage(ordinal: number, usage: SegmentUsage): void {
    this.usage.set(ordinal, usage);
  }

  forgetSegment(ordinal: number): void {
    this.usage.delete(ordinal);
  }

  trimCandidates(files: readonly SegmentFile[]): TrimCandidate[] {
    return files.map((f) => ({ ordinal: f.ordinal, size: f.size, ...this.usageOf(f.ordinal) }));
  }

  clear(): void {
    this.usage.clear();
    this.pending.clear();
    for (const list of [...this.pendingByVolume.values(), ...this.undoByVolume.values()]) list.clear();
    this.undistributed = 0;
  }
}

/** Index entries of records just appended in one piece at `where`. */
export function extentsOf(records: readonly JournalRecord[], where: { ordinal: number; at: number }): Extent[] {
  let at = where.at;
  return records.map((r) => {
    const size = encodedSize(r.volume, r.payload.length);
    const extent = extentOf(r, where.ordinal, { at, size });
    at += size;
    return extent;
  });
}
