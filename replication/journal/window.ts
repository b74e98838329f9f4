/**
 * The journal's sequence window: how far it is durable and distributed, the oldest point its undo
 * chain can rebuild, where a corrupt redo record cut it, and the source time of every seq.
 * Points inside [oldestSeq, newestSeq] can be read back.
 */
import { SeqList } from "./seq-list.ts";

interface SeqTime {
  seq: number;
  timestamp: number;
}

export class SeqWindow {
  private durable = 0;
  private applied = 0;
  /** Oldest seq whose full undo chain is present. */
  private undoFloor = 0;
  /** First seq lost to a corrupt redo record; distribution and reads stop before it. */
  private redoGap: number | null = null;
  private readonly timeline = new SeqList<SeqTime>();

  get durableSeq(): number {
    return this.durable;
  }

  get appliedSeq(): number {
    return this.applied;
  }

  get gap(): number | null {
    return this.redoGap;
  }

  oldestSeq(): number {
    return Math.min(this.undoFloor, this.newestSeq());
  }

  newestSeq(): number {
    return this.redoGap === null ? this.durable : this.redoGap - 1;
  }

  contains(seq: number): boolean {
    return Number.isSafeInteger(seq) && seq >= this.oldestSeq() && seq <= this.newestSeq();
  }

  /** Source time of the newest seq at or before `seq` that has one. */
  timestampAt(seq: number): number {
    return this.timeline.lastWhere((t) => t.seq <= seq)?.timestamp ?? 0;
  }

  /** The newest seq inside the window whose timestamp is <= `timestamp`; null if the window starts later. */
  seqAtOrBefore(timestamp: number): number | null {
    const oldest = this.oldestSeq();
    const newest = this.newestSeq();
    if (timestamp < this.timestampAt(oldest)) return null;
    const hit = this.timeline.lastWhere((t) => t.seq <= newest && t.timestamp <= timestamp);
    return Math.max(oldest, hit?.seq ?? oldest);
  }

  describe(): string {
    return `is outside the recoverable window [${this.oldestSeq()}, ${this.newestSeq()}]`;
  }

  /** Starts the window afresh at `seq` (a new journal, the end of a resync). */
  restart(seq: number, timestamp: number): void {
    this.durable = this.applied = this.undoFloor = seq;
    this.redoGap = null;
    this.timeline.clear();
    this.timeline.push({ seq, timestamp });
  }

  /** Positions found by the recovery on open. */
  recovered(p: { durable: number; applied: number; undoFloor: number }): void {
    this.durable = p.durable;
    this.applied = p.applied;
    this.undoFloor = p.undoFloor;
  }

  /** A time read back from the journal on open, in seq order. */
  addTime(seq: number, timestamp: number): void {
    this.timeline.push({ seq, timestamp });
  }

  /** The source time of a freshly appended seq. */
  noteTimestamp(seq: number, timestamp: number): void {
    // A fresh journal's base (seq 0, the empty image) takes the time of the first write.
    const first = this.timeline.first();
    if (this.timeline.length === 1 && first?.seq === 0 && first.timestamp === 0) first.timestamp = timestamp;
    this.timeline.push({ seq, timestamp });
  }

  markDurable(seq: number): void {
    this.durable = seq;
  }

  markApplied(seq: number): void {
    this.applied = seq;
  }

  /** Retention moved the base: no point older than `base` can be rebuilt any more. */
  raiseFloor(base: number): void {
    this.undoFloor = Math.max(this.undoFloor, base);
    this.timeline.dropThrough(base - 1);
  }

  clearGap(): void {
    this.redoGap = null;
  }

  /** Records the first seq lost to a corrupt redo record; true when it is the first gap. */
  markGap(seq: number): boolean {
    if (this.redoGap !== null) return false;
    this.redoGap = seq;
    return true;
  }
}
