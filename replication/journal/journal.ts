/**
 * A consistency group's journal at the recovery site: an undo journal in the InMage/RecoverPoint
 * manner (domain.md §1 "Journal", §2.2 step 4). This façade opens the shared state (state.ts) and
 * hands each operation to the module of its concern: append, distribution, point-reads (with
 * pins), bookmarks and the window, trimmer (retention), resync and source-binding.
 * On-disk format, crash recovery, retention and the module map: docs/journal.md.
 */
import { statfsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Bookmark, ReplicatedWrite } from "../records.ts";
import type { JournalStatus } from "../status.ts";
import { appendBatch } from "./append.ts";
import { BOOKMARK_FILE, BookmarkLog } from "./bookmark-log.ts";
import { addBookmark, bookmarksInWindow } from "./bookmarks.ts";
import { Distributor } from "./distribution.ts";
import { type JournalPin, PointReads } from "./point-reads.ts";
import { recoverOnOpen } from "./recover.ts";
import { Replicas } from "./replicas.ts";
import { beginResync, blockChecksums, endResync, resyncIfReplicaLost, writeResyncBlock } from "./resync.ts";
import { SegmentStore } from "./segment-store.ts";
import { bindSource, releaseSource, sourceSite } from "./source-binding.ts";
import { type JournalOptions, JournalState } from "./state.ts";
import { loadState, STATE_FILE } from "./state-file.ts";
import { Trimmer } from "./trimmer.ts";

export { JournalFullError } from "./append.ts";
export type { JournalPin } from "./point-reads.ts";
export type { JournalEvent, JournalOptions } from "./state.ts";

const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

export class Journal {
  private readonly distributor: Distributor;
  private readonly trimmer: Trimmer;
  private readonly reads: PointReads;

  private constructor(private readonly s: JournalState) {
    this.trimmer = new Trimmer(s);
    this.distributor = new Distributor(s, () => this.trimmer.enforce());
    this.reads = new PointReads(s);
  }

  /** Creates or recovers the group: cuts a torn tail, reports bad records, finishes an interrupted distribution. */
  static async open(opts: JournalOptions): Promise<Journal> {
    await mkdir(opts.dir, { recursive: true });
    await removeStaleTempFiles(opts.dir);
    const saved = await loadState(opts.dir);
    const store = await SegmentStore.open(opts.dir, opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES);
    const replicas = await Replicas.open(opts.dir, opts.group.volumes).catch(async (err) => {
      await store.close();
      throw err;
    });
    const { log, load } = await BookmarkLog.open(opts.dir);
    const s = new JournalState(opts, store, replicas, log, saved);
    const journal = new Journal(s);
    for (const c of load.corrupt) s.reportCorrupt({ segment: BOOKMARK_FILE, ...c });
    if (load.truncatedAt !== null) opts.logger.warn({ offset: load.truncatedAt }, "bookmarks: torn tail cut");
    try {
      await recoverOnOpen(s);
      await resyncIfReplicaLost(s, saved);
    } catch (err) {
      await journal.close();
      throw err;
    }
    journal.distributor.kick();
    return journal;
  }

  get durableSeq(): number {
    return this.s.window.durableSeq;
  }

  get appliedSeq(): number {
    return this.s.window.appliedSeq;
  }

  get resyncing(): boolean {
    return this.s.resyncing;
  }

  get volumeSizes(): Record<string, number> {
    return Object.fromEntries(this.s.opts.group.volumes.map((v) => [v.name, v.size]));
  }

  /** Why distribution stopped (a corrupt record, an I/O error); null when healthy. The site reports state `error`. */
  get fault(): string | null {
    return this.s.fault;
  }

  /** Times the point-in-time history was discarded by a resync (a "retention log reset"). */
  get historyResets(): number {
    return this.s.saved.historyResets;
  }

  // --- source binding (source-binding.ts) ---------------------------------------------------

  get sourceSite(): string | null {
    return sourceSite(this.s);
  }

  /** Binds the group to the production site that feeds it (persisted). */
  setSourceSite(site: string): Promise<void> {
    return bindSource(this.s, site);
  }

  releaseSource(): Promise<void> {
    return releaseSource(this.s);
  }

  // --- append (append.ts) and distribution (distribution.ts) --------------------------------

  /**
   * Makes a batch durable with one write and one fdatasync. Records at or below durableSeq are
   * ignored (a resend after reconnect); the first new one must be durableSeq+1.
   */
  async appendBatch(records: ReplicatedWrite[]): Promise<void> {
    if (await appendBatch(this.s, records)) this.distributor.kick();
  }

  /** Distributes until the replicas hold every durable seq (or distribution stops on a fault). */
  catchUp(): Promise<void> {
    return this.distributor.catchUp();
  }

  // --- window and bookmarks (window.ts, bookmarks.ts) ---------------------------------------

  addBookmark(b: Bookmark): Promise<void> {
    return addBookmark(this.s, b);
  }

  /** Bookmarks still inside the recoverable window, in seq order. */
  bookmarks(): Bookmark[] {
    return bookmarksInWindow(this.s);
  }

  lastBookmark(): Bookmark | null {
    return this.bookmarks().at(-1) ?? null;
  }

  recoverableRange(): { oldestSeq: number; oldestTimestamp: number; newestSeq: number; newestTimestamp: number } {
    const w = this.s.window;
    const [oldestSeq, newestSeq] = [w.oldestSeq(), w.newestSeq()];
    return {
      oldestSeq,
      oldestTimestamp: w.timestampAt(oldestSeq),
      newestSeq,
      newestTimestamp: w.timestampAt(newestSeq),
    };
  }

  /** Source timestamp of `seq`; RangeError outside the window. */
  timestampOf(seq: number): number {
    this.s.assertInWindow(seq);
    return this.s.window.timestampAt(seq);
  }

  /** The newest seq inside the window whose timestamp is <= `timestamp`; null if the window starts later. */
  seqAtOrBefore(timestamp: number): number | null {
    return this.s.resyncing ? null : this.s.window.seqAtOrBefore(timestamp);
  }

  // --- point-in-time reads (point-reads.ts, pins.ts) ----------------------------------------

  /** Holds the point `seq` for `holder` until released: retention keeps what reading it needs. */
  pin(seq: number, holder: string): JournalPin {
    return this.reads.pin(seq, holder);
  }

  /** Volume content as of `atSeq`: the replica rolled back by undo records, or forward by pending redo. */
  /**
   * Ranges of a volume the replica holds from writes after `seq` (their undo is in the window):
   * what rolling the replica back to `seq` rewrites, once everything durable is distributed.
   */
  changedAfter(volume: string, seq: number): { offset: number; length: number }[] {
    return this.s.index.undoAfter(volume, seq).map((e) => ({ offset: e.offset, length: e.length }));
  }

  readAt(volume: string, atSeq: number, offset: number, length: number): Promise<Buffer> {
    return this.reads.readAt(volume, atSeq, offset, length);
  }

  // --- retention (trimmer.ts, retention.ts) ------------------------------------------------

  /** Applies time and space retention now (it also runs after distribution and every 30 s). */
  enforceRetention(): Promise<void> {
    return this.trimmer.enforce();
  }

  // --- resync (resync.ts) -------------------------------------------------------------------

  blockChecksums(volume: string, offset: number, length: number, blockSize: number): Promise<Buffer[]> {
    return blockChecksums(this.s, volume, offset, length, blockSize);
  }

  beginResync(): Promise<void> {
    return beginResync(this.s);
  }

  writeResyncBlock(volume: string, offset: number, data: Buffer): Promise<void> {
    return writeResyncBlock(this.s, volume, offset, data);
  }

  endResync(atSeq: number, timestamp: number): Promise<void> {
    return endResync(this.s, atSeq, timestamp);
  }

  // --- status and lifecycle -----------------------------------------------------------------

  journalStatus(): JournalStatus {
    const s = this.s;
    const empty = s.window.durableSeq === 0 || s.resyncing;
    const range = this.recoverableRange();
    const { window, capacity } = s.opts.group.retention;
    return {
      capacityBytes: capacity,
      usedBytes: s.store.usedBytes(),
      undistributedBytes: s.index.undistributedBytes,
      oldestRecoverableTimestamp: empty ? 0 : range.oldestTimestamp,
      newestRecoverableTimestamp: empty ? 0 : range.newestTimestamp,
      requiredWindowSeconds: window,
      achievedWindowSeconds: empty ? 0 : Math.max(0, s.now() - range.oldestTimestamp),
      trimmedBytesByTime: s.saved.trimmedBytesByTime,
      trimmedBytesBySpace: s.saved.trimmedBytesBySpace,
      storeCapacityBytes: storeCapacity(s.opts.dir),
      corruptRecordsTotal: s.corruptRecordsTotal,
      pins: s.pins.status((seq) => s.window.timestampAt(seq)),
    };
  }

  async close(): Promise<void> {
    const s = this.s;
    if (s.closed) return;
    s.markClosed();
    this.trimmer.stop();
    await this.distributor.idle();
    await this.reads.idle();
    await s.imageLock.run(() => s.journalLock.run(async () => {}));
    await s.store.close();
    await s.replicas.close();
  }
}

function storeCapacity(dir: string): number {
  try {
    const s = statfsSync(dir);
    return s.blocks * s.bsize;
  } catch {
    return 0;
  }
}

/** A crash during an atomic replace can leave `<file>.tmp` behind; it is never the live copy. */
async function removeStaleTempFiles(dir: string): Promise<void> {
  for (const file of [STATE_FILE, BOOKMARK_FILE]) await rm(join(dir, `${file}.tmp`), { force: true });
}
