/**
 * In-memory view of the durable source queue: the records with seq > durableSeq, in seq order,
 * contiguous. Byte counts by location (queued vs in flight) come from here.
 */

import type { QueuePosition } from "./source-log.ts";

/** A queued change: what RPO and batching need, and where its encoded record sits in the source queue. */
export interface QueuedChange {
  seq: number;
  timestamp: number;
  volume: string;
  /** The range the change covers, for what an old production site reports after a failover. */
  offset: number;
  length: number;
  /** Set once the record is in the queue file (before the change is acknowledged, so before it can ship). */
  position: QueuePosition | null;
  /** Encoded length in bytes. */
  bytes: number;
}

export class PendingQueue {
  private records: QueuedChange[] = [];
  private head = 0;
  private bytes = 0;

  get length(): number {
    return this.records.length - this.head;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  first(): QueuedChange | undefined {
    return this.records[this.head];
  }

  push(r: QueuedChange): void {
    this.records.push(r);
    this.bytes += r.bytes;
  }

  /** Drops records with seq <= upTo; returns their encoded bytes. */
  dropThrough(upTo: number): number {
    let dropped = 0;
    while (this.head < this.records.length && this.records[this.head]!.seq <= upTo) {
      dropped += this.records[this.head]!.bytes;
      this.head++;
    }
    if (this.head > 4096 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
    this.bytes -= dropped;
    return dropped;
  }

  /** Records with afterSeq < seq <= maxSeq, up to about maxBytes (at least one). */
  slice(afterSeq: number, maxSeq: number, maxBytes: number): QueuedChange[] {
    const first = this.first();
    if (!first) return [];
    const out: QueuedChange[] = [];
    let bytes = 0;
    for (let i = this.head + Math.max(0, afterSeq + 1 - first.seq); i < this.records.length; i++) {
      const r = this.records[i]!;
      if (r.seq > maxSeq || (out.length > 0 && bytes + r.bytes > maxBytes)) break;
      out.push(r);
      bytes += r.bytes;
    }
    return out;
  }

  /** Encoded bytes of records with seq <= upTo; scans from the oldest, so it is cheap for the in-flight window. */
  bytesThrough(upTo: number): number {
    let n = 0;
    for (let i = this.head; i < this.records.length && this.records[i]!.seq <= upTo; i++) n += this.records[i]!.bytes;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<QueuedChange> {
    for (let i = this.head; i < this.records.length; i++) yield this.records[i]!;
  }
}
