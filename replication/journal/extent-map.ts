/**
 * An interval index of one volume's extents (its undo, or its undistributed redo): extents are
 * filed by the 1 MiB buckets of the volume they touch, each bucket in seq order, so a point-in-time
 * read finds the extents over its range with one lookup per bucket instead of scanning every
 * extent of the volume. Extents wider than WIDE_BUCKETS buckets (a trim of a whole volume) are kept
 * in one list every query looks at, so no single extent is filed thousands of times.
 */
import type { Extent } from "./extents.ts";
import { SeqList } from "./seq-list.ts";

export const BUCKET_BYTES = 1024 * 1024;
const WIDE_BUCKETS = 64;

export class ExtentMap {
  /** Every extent, in seq order: what dropThrough walks to find the buckets to prune. */
  private readonly all = new SeqList<Extent>();
  private readonly buckets = new Map<number, SeqList<Extent>>();
  private readonly wide = new SeqList<Extent>();
  /** Newest seq dropped: lastSeq once every extent is gone. */
  private dropped = 0;

  /** Seq of the newest extent added; 0 when none ever was. */
  get lastSeq(): number {
    return this.all.last()?.seq ?? this.dropped;
  }

  /** Appends an extent; seqs must increase. */
  add(extent: Extent): void {
    this.all.push(extent);
    if (extent.length === 0) return;
    const [first, last] = bucketsOf(extent.offset, extent.length);
    if (last - first + 1 > WIDE_BUCKETS) {
      this.wide.push(extent);
      return;
    }
    for (let b = first; b <= last; b++) {
      let list = this.buckets.get(b);
      if (!list) {
        list = new SeqList();
        this.buckets.set(b, list);
      }
      list.push(extent);
    }
  }

  /** Forgets every extent with seq <= `seq`. */
  dropThrough(seq: number): void {
    for (const e of this.all.dropThrough(seq)) {
      this.dropped = Math.max(this.dropped, e.seq);
      if (e.length === 0) continue;
      const [first, last] = bucketsOf(e.offset, e.length);
      if (last - first + 1 > WIDE_BUCKETS) continue;
      for (let b = first; b <= last; b++) {
        const list = this.buckets.get(b);
        if (!list) continue;
        list.dropThrough(seq);
        if (list.length === 0) this.buckets.delete(b);
      }
    }
    this.wide.dropThrough(seq);
  }

  clear(): void {
    this.all.clear();
    this.buckets.clear();
    this.wide.clear();
    this.dropped = 0;
  }

  /**
   * Extents with lo < seq <= hi that may overlap [offset, offset+length), which must lie inside
   * one bucket, in ascending seq order (descending when `newestFirst`). A generator, so a caller
   * that has what it needs stops without walking the rest.
   */
  *inBucket(offset: number, length: number, lo: number, hi: number, newestFirst: boolean): Generator<Extent> {
    const [b, last] = bucketsOf(offset, length);
    if (b !== last) throw new RangeError(`range ${offset}+${length} spans buckets ${b}..${last}`);
    const filed = this.buckets.get(b)?.inOrder(lo, hi, newestFirst) ?? [][Symbol.iterator]();
    const wide = this.wide.inOrder(lo, hi, newestFirst);
    let x = filed.next();
    let y = wide.next();
    const first = (a: Extent, c: Extent) => (newestFirst ? a.seq > c.seq : a.seq < c.seq);
    while (!x.done || !y.done) {
      if (y.done || (!x.done && first(x.value, y.value))) {
        yield x.value as Extent;
        x = filed.next();
      } else {
        yield y.value;
        y = wide.next();
      }
    }
  }
}

/** First and last bucket a non-empty range touches. */
export function bucketsOf(offset: number, length: number): [number, number] {
  return [Math.floor(offset / BUCKET_BYTES), Math.floor((offset + length - 1) / BUCKET_BYTES)];
}
