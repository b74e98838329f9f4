/**
 * Items kept in ascending `seq` order, appended at the end and dropped from the front, with
 * binary-searched range queries. Backs the per-volume redo and undo indexes.
 */
export class SeqList<T extends { seq: number }> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  first(): T | undefined {
    return this.items[this.head];
  }

  last(): T | undefined {
    return this.length > 0 ? this.items.at(-1) : undefined;
  }

  push(item: T): void {
    const last = this.last();
    if (last && item.seq <= last.seq) throw new Error(`seq ${item.seq} appended after ${last.seq}`);
    this.items.push(item);
  }

  get(seq: number): T | undefined {
    const item = this.items[this.lowerBound(seq)];
    return item?.seq === seq ? item : undefined;
  }

  /** The last item for which `holds` is true, given that it holds for a prefix of the list. */
  lastWhere(holds: (item: T) => boolean): T | undefined {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (holds(this.items[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo > this.head ? this.items[lo - 1] : undefined;
  }

  /** Drops every item with seq <= `seq`; returns them. */
  dropThrough(seq: number): T[] {
    const end = this.lowerBound(seq + 1);
    const dropped = this.items.slice(this.head, end);
    this.head = end;
    // Compact now and then so dropped items can be collected.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return dropped;
  }

  /** Items with lo < seq <= hi, ascending. */
  range(lo: number, hi: number): T[] {
    return this.items.slice(this.lowerBound(lo + 1), this.lowerBound(hi + 1));
  }

  /** Items with lo < seq <= hi, ascending or, when `newestFirst`, descending; read lazily. */
  *inOrder(lo: number, hi: number, newestFirst: boolean): Generator<T> {
    const [from, to] = [this.lowerBound(lo + 1), this.lowerBound(hi + 1)];
    if (newestFirst) for (let i = to - 1; i >= from; i--) yield this.items[i]!;
    else for (let i = from; i < to; i++) yield this.items[i]!;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  private lowerBound(seq: number): number {
    let lo = this.head;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
