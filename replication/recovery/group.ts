/**
 * A consistency group on the recovery site: an undo journal in the InMage/RecoverPoint manner
 * (domain.md §1 "Journal", §2.2 step 4). Received redo is made durable with one fdatasync per
 * batch; distribution then copies the replica's old bytes into undo records before overwriting
 * them, so the replica stays current and any point in the window can be rebuilt by rolling back.
 * On-disk format, crash recovery and retention: docs/journal.md.
 */
import { statfsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import { ScratchArena } from "../../lib/scratch-arena.ts";
import type { GroupConfig } from "../config.ts";
import type { Bookmark, ReplicatedWrite } from "../records.ts";
import type { JournalStatus } from "../status.ts";
import { BOOKMARK_FILE, BookmarkLog } from "./bookmark-log.ts";
import { copyOverlap, type Extent, earlierOverlaps, overlay, type PayloadLocation, zeroOverlap } from "./extents.ts";
import { syncDir } from "./files.ts";
import { emptyUsage, extentOf, loadJournal, type SegmentUsage } from "./journal-load.ts";
import { Mutex } from "./mutex.ts";
import { encodedSize, encodeRecordParts, FLAG_ZERO_PAYLOAD, type JournalRecord, RecordType } from "./record-codec.ts";
import { Replicas } from "./replicas.ts";
import { planTrim } from "./retention.ts";
import { SegmentStore } from "./segment-store.ts";
import { SeqList } from "./seq-list.ts";
import { type GroupState, loadState, STATE_FILE, saveState } from "./state-file.ts";

export type RecoveryEvent =
  | { type: "corrupt-record"; segment: string; offset: number; reason: string }
  | { type: "trimmed"; reason: "time" | "space"; bytes: number }
  | { type: "bookmark"; bookmark: Bookmark };

export interface RecoveryGroupOptions {
  /** Group directory: journal segments, state.json, bookmarks.log and, by default, the replicas. */
  dir: string;
  group: GroupConfig;
  logger: Logger;
  /** Unix seconds; injectable for retention tests. */
  now?: () => number;
  segmentBytes?: number;
  onEvent?: (e: RecoveryEvent) => void;
  /** Distribute in the background as soon as data is durable (default true); false leaves it to `catchUp()`. */
  autoDistribute?: boolean;
}

/** appendBatch refused: accepting the batch would leave more undistributed data than the journal's capacity. */
export class JournalFullError extends Error {
  readonly code = "ENOSPC";
  constructor(message: string) {
    super(message);
    this.name = "JournalFullError";
  }
}

const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;
// Distribution batches: big enough to amortize the undo fdatasync, small enough to bound memory.
const DISTRIBUTION_BATCH_BYTES = 4 * 1024 * 1024;
const DISTRIBUTION_BATCH_RECORDS = 512;
const RETENTION_CHECK_MS = 30_000;

interface SeqTime {
  seq: number;
  timestamp: number;
}

export class RecoveryGroup {
  private durable = 0;
  private applied = 0;
  /** Oldest seq whose full undo chain is present. */
  private undoFloor = 0;
  /** First seq lost to a corrupt redo record; distribution and reads stop before it. */
  private redoGap: number | null = null;
  private faultReason: string | null = null;
  /** Distribution cannot continue safely (I/O error, unrepairable replay); a redo gap alone just ends it. */
  private stopped = false;
  private undistributed = 0;
  private corruptTotal = 0;
  private readonly pending = new SeqList<Extent>();
  private readonly pendingByVolume = new Map<string, SeqList<Extent>>();
  /**
   * Old bytes and journal payloads of the batch being distributed (one batch at a time, under
   * imageLock). Payloads are read back from the journal (page cache) rather than kept from
   * receipt: held buffers outlived young-generation GC and made distribution slower (docs/engine.md).
   */
  private readonly scratch = new ScratchArena();
  private readonly undoByVolume = new Map<string, SeqList<Extent>>();
  private readonly timeline = new SeqList<SeqTime>();
  private readonly usage = new Map<number, SegmentUsage>();
  /** Serializes journal appends, truncation and deletion. */
  private readonly journalLock = new Mutex();
  /** Serializes replica writes (with appliedSeq and the undo index) against point-in-time reads and trims. */
  private readonly imageLock = new Mutex();
  private distributing: Promise<void> | null = null;
  private closed = false;
  private warnedSpaceBlocked = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  private constructor(
    private readonly opts: RecoveryGroupOptions,
    private readonly store: SegmentStore,
    private readonly replicas: Replicas,
    private readonly bookmarkLog: BookmarkLog,
    private state: GroupState,
  ) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    for (const v of opts.group.volumes) {
      this.pendingByVolume.set(v.name, new SeqList());
      this.undoByVolume.set(v.name, new SeqList());
    }
  }

  /** Creates or recovers the group: cuts a torn tail, reports bad records, finishes an interrupted distribution. */
  static async open(opts: RecoveryGroupOptions): Promise<RecoveryGroup> {
    await mkdir(opts.dir, { recursive: true });
    await removeStaleTempFiles(opts.dir);
    const state = await loadState(opts.dir);
    const store = await SegmentStore.open(opts.dir, opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES);
    const replicas = await Replicas.open(opts.dir, opts.group.volumes).catch(async (err) => {
      await store.close();
      throw err;
    });
    const { log, load } = await BookmarkLog.open(opts.dir);
    const group = new RecoveryGroup(opts, store, replicas, log, state);
    for (const c of load.corrupt) group.reportCorrupt({ segment: BOOKMARK_FILE, ...c });
    if (load.truncatedAt !== null) opts.logger.warn({ offset: load.truncatedAt }, "bookmarks: torn tail cut");
    try {
      await group.recover();
      await group.resyncIfReplicaLost(state);
    } catch (err) {
      await group.close();
      throw err;
    }
    group.timer = setInterval(() => void group.enforceRetention(), RETENTION_CHECK_MS).unref();
    group.kick();
    return group;
  }

  get durableSeq(): number {
    return this.durable;
  }

  /**
   * A replica file that vanished while the group held data (deleted, a lost mount) would come back
   * empty and silently wrong. Its history no longer matches, so the group enters a resync: the
   * welcome tells the production site, which copies the differing blocks back.
   */
  private async resyncIfReplicaLost(before: GroupState): Promise<void> {
    const fed = before.appliedSeq > 0 || this.durable > 0 || before.sourceSite !== undefined;
    if (this.replicas.created.length === 0 || !fed || this.state.resyncing) return;
    this.opts.logger.error(
      { group: this.opts.group.name, volumes: this.replicas.created },
      "journal: replica image missing, created empty; history discarded, resync required",
    );
    await this.beginResync();
  }

  get appliedSeq(): number {
    return this.applied;
  }

  get resyncing(): boolean {
    return this.state.resyncing;
  }

  get volumeSizes(): Record<string, number> {
    return Object.fromEntries(this.opts.group.volumes.map((v) => [v.name, v.size]));
  }

  /** Why distribution stopped (a corrupt record, an I/O error); null when healthy. The site reports state `error`. */
  get fault(): string | null {
    return this.faultReason;
  }

  /** Times the point-in-time history was discarded by a resync (a "retention log reset"). */
  /** The production site this group replicates from; null until one has connected. */
  get sourceSite(): string | null {
    return this.state.sourceSite ?? null;
  }

  /** Binds the group to the production site that feeds it (persisted). */
  async setSourceSite(site: string): Promise<void> {
    await this.journalLock.run(async () => {
      this.assertOpen();
      await this.persist({ ...this.state, sourceSite: site });
    });
  }

  /**
   * Forgets the production site and its sequence space, so another site may feed the group: the
   * point-in-time history goes (it belongs to the old stream) and the position returns to seq 0.
   * The replica stays as it is; the next site to connect finds seq 0 and resyncs it.
   */
  async releaseSource(): Promise<void> {
    await this.beginResync();
    await this.endResync(0, 0);
    await this.journalLock.run(async () => {
      const { sourceSite: _released, ...rest } = this.state;
      await this.persist(rest);
    });
  }

  get historyResets(): number {
    return this.state.historyResets;
  }

  /**
   * Makes a batch durable with one write and one fdatasync. Records at or below durableSeq are
   * ignored (a resend after reconnect); the first new one must be durableSeq+1.
   */
  async appendBatch(records: ReplicatedWrite[]): Promise<void> {
    await this.journalLock.run(async () => {
      this.assertWritable();
      const fresh = records.filter((r) => r.seq > this.durable);
      if (fresh.length === 0) return;
      fresh.forEach((r, i) => {
        if (r.seq !== this.durable + 1 + i)
          throw new Error(
            i === 0
              ? `seq gap: expected ${this.durable + 1}, got ${r.seq}; resend from ${this.durable + 1}`
              : `batch is not contiguous at seq ${r.seq}`,
          );
        this.validateWrite(r);
      });
      const redo = fresh.map(toRedoRecord);
      const bytes = redo.reduce((n, r) => n + encodedSize(r.volume, r.payload.length), 0);
      const capacity = this.opts.group.retention.capacity;
      if (this.undistributed + bytes > capacity)
        throw new JournalFullError(
          `journal full: ${this.undistributed} undistributed bytes + batch of ${bytes} exceed capacity ${capacity}; retry later`,
        );
      const where = await this.store.append(encodeRecordParts(redo), true);
      this.indexAppended(redo, where, (extent) => {
        this.pending.push(extent);
        this.pendingByVolume.get(extent.volume)!.push(extent);
        this.undistributed += extent.bytes;
        this.noteTimestamp(extent.seq, extent.timestamp);
        this.usageOf(where.ordinal).maxRedoSeq = extent.seq;
      });
      this.durable = fresh.at(-1)!.seq;
    });
    this.kick();
  }

  async addBookmark(b: Bookmark): Promise<void> {
    await this.journalLock.run(async () => {
      this.assertWritable();
      if (typeof b.name !== "string" || b.name.length === 0) throw new Error("bookmark needs a name");
      if (!Number.isSafeInteger(b.seq) || b.seq > this.durable)
        throw new Error(`bookmark "${b.name}" at seq ${b.seq} is not durable (durableSeq ${this.durable})`);
      if (b.seq < this.oldestSeq()) throw new RangeError(`bookmark "${b.name}" at seq ${b.seq} ${this.windowText()}`);
      await this.bookmarkLog.add({ name: b.name, seq: b.seq, timestamp: b.timestamp });
    });
    this.opts.onEvent?.({ type: "bookmark", bookmark: { name: b.name, seq: b.seq, timestamp: b.timestamp } });
  }

  /** Bookmarks still inside the recoverable window, in seq order. */
  bookmarks(): Bookmark[] {
    if (this.state.resyncing) return [];
    const [oldest, newest] = [this.oldestSeq(), this.newestSeq()];
    return this.bookmarkLog
      .all()
      .filter((b) => b.seq >= oldest && b.seq <= newest)
      .sort((a, b) => a.seq - b.seq);
  }

  lastBookmark(): Bookmark | null {
    return this.bookmarks().at(-1) ?? null;
  }

  recoverableRange(): { oldestSeq: number; oldestTimestamp: number; newestSeq: number; newestTimestamp: number } {
    const oldestSeq = this.oldestSeq();
    const newestSeq = this.newestSeq();
    return {
      oldestSeq,
      oldestTimestamp: this.timestampAt(oldestSeq),
      newestSeq,
      newestTimestamp: this.timestampAt(newestSeq),
    };
  }

  /** Source timestamp of `seq`; RangeError outside the window. */
  timestampOf(seq: number): number {
    this.assertInWindow(seq);
    return this.timestampAt(seq);
  }

  /** The newest seq inside the window whose timestamp is <= `timestamp`; null if the window starts later. */
  seqAtOrBefore(timestamp: number): number | null {
    const oldest = this.oldestSeq();
    const newest = this.newestSeq();
    if (this.state.resyncing || timestamp < this.timestampAt(oldest)) return null;
    const hit = this.timeline.lastWhere((t) => t.seq <= newest && t.timestamp <= timestamp);
    return Math.max(oldest, hit?.seq ?? oldest);
  }

  /** Volume content as of `atSeq`: the replica rolled back by undo records, or forward by pending redo. */
  async readAt(volume: string, atSeq: number, offset: number, length: number): Promise<Buffer> {
    this.replicas.checkRange(volume, offset, length);
    return this.imageLock.run(async () => {
      this.assertInWindow(atSeq);
      const out = await this.replicas.read(volume, offset, length);
      const read = (loc: PayloadLocation, n: number) => this.store.read(loc.ordinal, loc.at, n);
      if (atSeq < this.applied) {
        // The undo with the smallest seq > atSeq covering a byte holds its value at atSeq: apply newest first.
        const undo = this.undoByVolume.get(volume)!.range(atSeq, this.applied);
        for (let i = undo.length - 1; i >= 0; i--) await overlay(out, offset, undo[i]!, read);
      } else {
        for (const redo of this.pendingByVolume.get(volume)!.range(this.applied, atSeq))
          await overlay(out, offset, redo, read);
      }
      return out;
    });
  }

  journalStatus(): JournalStatus {
    const empty = this.durable === 0 || this.state.resyncing;
    const range = this.recoverableRange();
    const { window, capacity } = this.opts.group.retention;
    return {
      capacityBytes: capacity,
      usedBytes: this.store.usedBytes(),
      undistributedBytes: this.undistributed,
      oldestRecoverableTimestamp: empty ? 0 : range.oldestTimestamp,
      newestRecoverableTimestamp: empty ? 0 : range.newestTimestamp,
      requiredWindowSeconds: window,
      achievedWindowSeconds: empty ? 0 : Math.max(0, this.now() - range.oldestTimestamp),
      trimmedBytesByTime: this.state.trimmedBytesByTime,
      trimmedBytesBySpace: this.state.trimmedBytesBySpace,
      storeCapacityBytes: storeCapacity(this.opts.dir),
      corruptRecordsTotal: this.corruptTotal,
    };
  }

  /** Distributes until the replicas hold every durable seq (or distribution stops on a fault). */
  catchUp(): Promise<void> {
    this.distributing ??= this.distributeAll().finally(() => {
      this.distributing = null;
      if (this.opts.autoDistribute !== false && this.canDistribute()) this.kick();
    });
    return this.distributing;
  }

  /** Applies time and space retention now (it also runs after distribution and every 30 s). */
  async enforceRetention(): Promise<void> {
    if (this.closed || this.state.resyncing) return;
    try {
      await this.imageLock.run(() => this.journalLock.run(() => this.trim()));
    } catch (err) {
      this.opts.logger.error({ err }, "journal: retention failed");
    }
  }

  async blockChecksums(volume: string, offset: number, length: number, blockSize: number): Promise<Buffer[]> {
    return this.imageLock.run(() => this.replicas.checksums(volume, offset, length, blockSize));
  }

  /** Starts a resync: the history no longer matches what the replica will become, so it is discarded. */
  async beginResync(): Promise<void> {
    await this.imageLock.run(() =>
      this.journalLock.run(async () => {
        this.assertOpen();
        if (!this.state.resyncing) {
          await this.persist({ ...this.state, resyncing: true, historyResets: this.state.historyResets + 1 });
        }
        await this.resetHistory();
      }),
    );
    this.opts.logger.warn({ group: this.opts.group.name }, "journal: resync started, point-in-time history reset");
  }

  async writeResyncBlock(volume: string, offset: number, data: Buffer): Promise<void> {
    this.replicas.checkRange(volume, offset, data.length);
    await this.imageLock.run(async () => {
      this.assertResyncing();
      await this.replicas.write(volume, offset, data);
    });
  }

  /** The replica is now consistent at `atSeq`: the window restarts there. */
  async endResync(atSeq: number, timestamp: number): Promise<void> {
    if (!Number.isSafeInteger(atSeq) || atSeq < 0) throw new Error(`invalid seq ${atSeq}`);
    await this.imageLock.run(() =>
      this.journalLock.run(async () => {
        this.assertResyncing();
        await this.replicas.sync();
        await this.persist({
          ...this.state,
          resyncing: false,
          baseSeq: atSeq,
          baseTimestamp: timestamp,
          appliedSeq: atSeq,
        });
        this.durable = this.applied = this.undoFloor = atSeq;
        this.timeline.clear();
        this.timeline.push({ seq: atSeq, timestamp });
      }),
    );
    this.opts.logger.info({ group: this.opts.group.name, atSeq }, "journal: resync ended");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.distributing;
    await this.imageLock.run(() => this.journalLock.run(async () => {}));
    await this.store.close();
    await this.replicas.close();
  }

  // --- recovery on open -------------------------------------------------------------------

  private async recover(): Promise<void> {
    const base = this.state.baseSeq;
    this.applied = this.durable = Math.max(base, this.state.appliedSeq);
    this.undoFloor = base;
    if (this.state.resyncing) {
      // A crash between persisting `resyncing` and deleting the segments: finish the reset.
      await this.resetHistory();
      return;
    }
    const volumes = new Map(this.opts.group.volumes.map((v) => [v.name, v.size]));
    const j = await loadJournal(this.store, base, volumes, this.opts.logger);
    for (const c of j.corrupt) this.reportCorrupt(c);
    for (const [ordinal, u] of j.usage) this.usage.set(ordinal, u);
    for (const u of j.undo) this.undoByVolume.get(u.volume)!.push(u);

    const appliedMark = Math.max(this.applied, j.appliedMarker);
    const maxUndo = Math.max(j.undo.at(-1)?.seq ?? base, base);
    this.undoFloor = Math.max(base, j.undoChainFloor, maxUndo < appliedMark ? appliedMark : 0);
    this.timeline.push({ seq: base, timestamp: this.state.baseTimestamp || (j.timestamps.get(base + 1) ?? 0) });
    for (const seq of [...j.timestamps.keys()].sort((a, b) => a - b))
      this.timeline.push({ seq, timestamp: j.timestamps.get(seq)! });
    this.durable = Math.max(appliedMark, maxUndo, j.redo.at(-1)?.seq ?? 0);

    // Undo records newer than the last applied marker: the replica write may not have happened.
    // Re-apply their redo (the undo already holds the true old bytes, so it is not captured again).
    const replay = j.redo.filter((r) => r.seq > appliedMark && r.seq <= maxUndo);
    this.applied = appliedMark;
    if (maxUndo > appliedMark) {
      if (replay.length !== maxUndo - appliedMark || replay[0]?.seq !== appliedMark + 1) {
        this.setFault(`redo records for distributed seqs ${appliedMark + 1}..${maxUndo} are missing`);
        this.stopped = true;
      } else {
        for (const r of replay) await this.writeToReplica(r);
        await this.replicas.sync();
        this.applied = maxUndo;
        await this.appendAppliedMarker();
        this.opts.logger.info({ from: appliedMark + 1, to: maxUndo }, "journal: interrupted distribution re-applied");
      }
    }
    let expected = this.applied + 1;
    for (const r of j.redo) {
      if (r.seq <= this.applied) continue;
      if (r.seq !== expected && this.redoGap === null) {
        this.redoGap = expected;
        this.setFault(`redo seq ${expected} is missing (corrupt record); distribution stops at ${expected - 1}`);
      }
      expected = r.seq + 1;
      this.pending.push(r);
      this.pendingByVolume.get(r.volume)!.push(r);
      this.undistributed += r.bytes;
    }
  }

  // --- distribution -----------------------------------------------------------------------

  private kick(): void {
    if (this.opts.autoDistribute !== false && !this.distributing && this.canDistribute()) void this.catchUp();
  }

  private canDistribute(): boolean {
    return !this.closed && !this.stopped && !this.state.resyncing && this.pending.first()?.seq === this.applied + 1;
  }

  private async distributeAll(): Promise<void> {
    try {
      while (this.canDistribute()) await this.imageLock.run(() => this.distributeBatch());
    } catch (err) {
      this.setFault(`distribution failed: ${(err as Error).message}`);
      this.stopped = true;
    }
    await this.enforceRetention();
  }

  private async distributeBatch(): Promise<void> {
    if (!this.canDistribute()) return;
    const batch: Extent[] = [];
    let bytes = 0;
    for (const e of this.pending.range(this.applied, this.applied + DISTRIBUTION_BATCH_RECORDS)) {
      if (
        e.seq !== this.applied + 1 + batch.length ||
        (batch.length > 0 && bytes + e.length > DISTRIBUTION_BATCH_BYTES)
      )
        break;
      batch.push(e);
      bytes += e.length;
    }
    // New and old bytes of the whole batch are read concurrently (one read at a time left the disk
    // idle between them), into memory the next batch reuses.
    this.scratch.begin(2 * bytes);
    const [fresh, olds] = await Promise.all([
      Promise.all(batch.map((e) => (e.payload ? this.readPayloadInto(e.payload, this.scratch.take(e.length)) : null))),
      Promise.all(batch.map((e) => this.replicas.readInto(e.volume, e.offset, this.scratch.take(e.length)))),
    ]);
    const overlaps = earlierOverlaps(batch);
    const undo: JournalRecord[] = [];
    for (const [i, e] of batch.entries()) {
      const old = olds[i]!;
      // Earlier writes of this batch are not on the replica yet; their new bytes are the "old" ones here.
      for (const k of overlaps[i]!) {
        const prev = batch[k]!;
        const prevBytes = fresh[k];
        if (prevBytes) copyOverlap(old, e.offset, prevBytes, prev.offset);
        else zeroOverlap(old, e.offset, prev.offset, prev.length);
      }
      const zero = isAllZero(old);
      undo.push({
        type: RecordType.undo,
        flags: zero ? FLAG_ZERO_PAYLOAD : 0,
        seq: e.seq,
        timestamp: e.timestamp,
        volume: e.volume,
        offset: e.offset,
        length: e.length,
        payload: zero ? Buffer.alloc(0) : old,
      });
    }
    // The undo is durable before the replica is touched: a crash can never lose the old bytes.
    const where = await this.journalLock.run(() => this.store.append(encodeRecordParts(undo), true));
    this.indexAppended(undo, where, (extent) => {
      this.undoByVolume.get(extent.volume)!.push(extent);
      const usage = this.usageOf(where.ordinal);
      usage.maxUndoSeq = extent.seq;
      usage.maxUndoTimestamp = Math.max(usage.maxUndoTimestamp, extent.timestamp);
    });
    await this.writeToReplicas(batch, fresh, overlaps);
    await this.replicas.sync();
    this.applied = batch.at(-1)!.seq;
    for (const e of this.pending.dropThrough(this.applied)) this.undistributed -= e.bytes;
    for (const list of this.pendingByVolume.values()) list.dropThrough(this.applied);
    await this.appendAppliedMarker();
  }

  /**
   * Writes a batch's new bytes concurrently (one write at a time capped small random writes at one
   * thread-pool round trip each), in waves that never hold two overlapping extents: their order matters.
   */
  private async writeToReplicas(
    batch: readonly Extent[],
    fresh: readonly (Buffer | null)[],
    overlaps: readonly number[][],
  ): Promise<void> {
    let wave: Promise<void>[] = [];
    let waveStart = 0;
    for (const [i, e] of batch.entries()) {
      if ((overlaps[i]!.at(-1) ?? -1) >= waveStart) {
        await Promise.all(wave);
        wave = [];
        waveStart = i;
      }
      const data = fresh[i];
      wave.push(
        data ? this.replicas.write(e.volume, e.offset, data) : this.replicas.writeZeroes(e.volume, e.offset, e.length),
      );
    }
    await Promise.all(wave);
  }

  private async writeToReplica(e: Extent): Promise<void> {
    if (e.payload) await this.replicas.write(e.volume, e.offset, await this.readPayload(e.payload, e.length));
    else await this.replicas.writeZeroes(e.volume, e.offset, e.length);
  }

  /** Written without its own fdatasync: the next group commit covers it, and losing it only means a re-apply. */
  private async appendAppliedMarker(): Promise<void> {
    const marker: JournalRecord = {
      type: RecordType.applied,
      flags: 0,
      seq: this.applied,
      timestamp: this.timestampAt(this.applied),
      volume: "",
      offset: 0,
      length: 0,
      payload: Buffer.alloc(0),
    };
    const where = await this.journalLock.run(() => this.store.append(encodeRecordParts([marker]), false));
    this.usageOf(where.ordinal);
  }

  // --- retention --------------------------------------------------------------------------

  private async trim(): Promise<void> {
    if (this.closed || this.state.resyncing) return;
    const { window, capacity } = this.opts.group.retention;
    const plan = planTrim(
      this.store.list().map((f) => ({ ordinal: f.ordinal, size: f.size, ...this.usageOf(f.ordinal) })),
      {
        appliedSeq: this.applied,
        usedBytes: this.store.usedBytes(),
        capacityBytes: capacity,
        cutoffTimestamp: this.now() - window,
      },
    );
    if (plan.blockedByUndistributed && !this.warnedSpaceBlocked)
      this.opts.logger.warn(
        { usedBytes: this.store.usedBytes(), capacity, undistributedBytes: this.undistributed },
        "journal: over capacity but only undistributed data remains; never evicted, new batches may be refused",
      );
    this.warnedSpaceBlocked = plan.blockedByUndistributed;
    if (plan.steps.length === 0) return;
    const next = { ...this.state, appliedSeq: this.applied };
    for (const step of plan.steps) {
      if (step.maxUndoSeq > next.baseSeq) {
        next.baseSeq = step.maxUndoSeq;
        next.baseTimestamp = this.timestampAt(step.maxUndoSeq);
      }
      if (step.reason === "time") next.trimmedBytesByTime += step.bytes;
      if (step.reason === "space") next.trimmedBytesBySpace += step.bytes;
    }
    // The new base is durable before any segment goes, so a crash in between loses nothing that matters.
    await this.persist(next);
    for (const step of plan.steps) {
      await this.store.remove(step.ordinal);
      this.usage.delete(step.ordinal);
      if (step.reason !== "reclaim") this.opts.onEvent?.({ type: "trimmed", reason: step.reason, bytes: step.bytes });
    }
    await syncDir(this.opts.dir);
    for (const list of this.undoByVolume.values()) list.dropThrough(next.baseSeq);
    this.undoFloor = Math.max(this.undoFloor, next.baseSeq);
    this.timeline.dropThrough(next.baseSeq - 1);
    const oldest = this.oldestSeq();
    await this.bookmarkLog.retain((b) => b.seq >= oldest);
    const achieved = this.now() - this.timestampAt(oldest);
    if (plan.steps.some((s) => s.reason === "space") && achieved < window)
      this.opts.logger.warn(
        { achievedWindowSeconds: achieved, requiredWindowSeconds: window },
        "journal: space retention cut the window short",
      );
  }

  private async resetHistory(): Promise<void> {
    await this.store.removeAll();
    this.usage.clear();
    this.pending.clear();
    for (const list of [...this.pendingByVolume.values(), ...this.undoByVolume.values()]) list.clear();
    this.undistributed = 0;
    this.redoGap = null;
    this.faultReason = null;
    this.stopped = false;
    await this.bookmarkLog.retain(() => false);
  }

  // --- helpers ----------------------------------------------------------------------------

  private oldestSeq(): number {
    return Math.min(this.undoFloor, this.newestSeq());
  }

  private newestSeq(): number {
    return this.redoGap === null ? this.durable : this.redoGap - 1;
  }

  private timestampAt(seq: number): number {
    return this.timeline.lastWhere((t) => t.seq <= seq)?.timestamp ?? 0;
  }

  private noteTimestamp(seq: number, timestamp: number): void {
    // A fresh journal's base (seq 0, the empty image) takes the time of the first write.
    const first = this.timeline.first();
    if (this.timeline.length === 1 && first?.seq === 0 && first.timestamp === 0) first.timestamp = timestamp;
    this.timeline.push({ seq, timestamp });
  }

  private windowText(): string {
    return `is outside the recoverable window [${this.oldestSeq()}, ${this.newestSeq()}]`;
  }

  private assertInWindow(seq: number): void {
    if (this.state.resyncing) throw new RangeError(`seq ${seq}: no recoverable window while resyncing`);
    if (!Number.isSafeInteger(seq) || seq < this.oldestSeq() || seq > this.newestSeq())
      throw new RangeError(`seq ${seq} ${this.windowText()}`);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`group ${this.opts.group.name}: closed`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.state.resyncing) throw new Error(`group ${this.opts.group.name}: resyncing; journal writes refused`);
  }

  private assertResyncing(): void {
    this.assertOpen();
    if (!this.state.resyncing) throw new Error(`group ${this.opts.group.name}: not resyncing`);
  }

  private validateWrite(r: ReplicatedWrite): void {
    if (!Number.isFinite(r.timestamp)) throw new Error(`seq ${r.seq}: invalid timestamp`);
    if (r.kind !== "write" && r.kind !== "zero" && r.kind !== "trim") throw new Error(`seq ${r.seq}: invalid kind`);
    if (r.length > 0xffffffff) throw new Error(`seq ${r.seq}: record longer than 4 GiB`);
    this.replicas.checkRange(r.volume, r.offset, r.length);
    if (r.kind === "write" && (!Buffer.isBuffer(r.data) || r.data.length !== r.length))
      throw new Error(`seq ${r.seq}: write data must be exactly ${r.length} bytes`);
  }

  private indexAppended(
    records: JournalRecord[],
    where: { ordinal: number; at: number },
    add: (extent: Extent) => void,
  ): void {
    let at = where.at;
    for (const r of records) {
      const size = encodedSize(r.volume, r.payload.length);
      add(extentOf(r, where.ordinal, { at, size }));
      at += size;
    }
  }

  private usageOf(ordinal: number): SegmentUsage {
    let u = this.usage.get(ordinal);
    if (!u) {
      u = emptyUsage();
      this.usage.set(ordinal, u);
    }
    return u;
  }

  private readPayload(loc: PayloadLocation, length: number): Promise<Buffer> {
    return this.store.read(loc.ordinal, loc.at, length);
  }

  private async readPayloadInto(loc: PayloadLocation, into: Buffer): Promise<Buffer> {
    await this.store.readInto(loc.ordinal, loc.at, into);
    return into;
  }

  private async persist(next: GroupState): Promise<void> {
    await saveState(this.opts.dir, next);
    this.state = next;
  }

  private reportCorrupt(c: { segment: string; offset: number; reason: string }): void {
    this.corruptTotal++;
    this.opts.logger.error(c, "journal: corrupt record reported, never applied");
    this.opts.onEvent?.({ type: "corrupt-record", ...c });
  }

  private setFault(reason: string): void {
    this.faultReason ??= reason;
    this.opts.logger.error({ group: this.opts.group.name, reason }, "journal: distribution stopped");
  }
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

const ZERO_BLOCK = Buffer.alloc(1024 * 1024);

/** Compares against a zero block with memcmp (Buffer.equals): a JS byte loop cost ~10% of the recovery CPU. */
function isAllZero(buf: Buffer): boolean {
  for (let at = 0; at < buf.length; at += ZERO_BLOCK.length) {
    const n = Math.min(ZERO_BLOCK.length, buf.length - at);
    if (!buf.subarray(at, at + n).equals(ZERO_BLOCK.subarray(0, n))) return false;
  }
  return true;
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
