/**
 * One consistency group on the production site: assigns seq and source timestamp to every
 * change, makes it durable in the source queue, applies it to the image, and tracks what the
 * recovery site has acknowledged. When the queue is full it falls back to bitmap mode (dirty
 * extents only) and says so through its state; the sync module later resyncs those extents.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import type { GroupConfig } from "../config.ts";
import { type Bookmark, type ChangeKind, MAX_CHANGE_BYTES, type ReplicatedWrite } from "../records.ts";
import { type EngineEvent, type EngineGroupState, type SyncStatus, syncStatus } from "../status.ts";
import { BLOCK_BYTES, DirtyMap } from "./dirty-map.ts";
import { PendingQueue, type QueuedChange } from "./pending-queue.ts";
import { encodedSize, encodeRecordParts } from "./record-codec.ts";
import { type QueuedRecord, type QueuePosition, SourceLog } from "./source-log.ts";
import { readState, writeState } from "./state-file.ts";
import { VolumeImage } from "./volume-image.ts";

export type ResyncKind = "full" | "fast" | "extents";

interface VolumeCounters {
  writtenBytesTotal: number;
  writeOpsTotal: number;
  trimmedBytesTotal: number;
}

interface PersistedGroup {
  headSeq: number;
  headTs: number;
  durableSeq: number;
  appliedSeq: number;
  durableTs: number;
  capture: "data" | "bitmap";
  /** Source time of the oldest acknowledged write that is only in the dirty map (0 = none). */
  dirtySince: number;
  resyncRequired: ResyncKind | null;
  /** False until the first copy to the recovery site finished (state `initializing` until then). */
  initialized: boolean;
  counters: Record<string, VolumeCounters>;
  lastBookmark: Bookmark | null;
  /** Bookmarks made here, not yet confirmed by the recovery site. */
  pendingBookmarks: Bookmark[];
  /** Paused by an operator: survives a restart until resumed (absent in files written before 2026-11-22). */
  paused?: boolean;
  /** Fenced: the group failed over to another site; writes are refused until it is reprotected. */
  fenced?: { toSite: string; sinceTimestamp: number };
  /** Source time of the newest change acknowledged to a client, in either capture mode (0 = none yet). */
  lastWriteTs?: number;
  /** Failing back: writes are refused while what is queued ships, then the other site takes over. */
  frozen?: { toSite: string; sinceTimestamp: number };
}

export interface ProductionGroupOptions {
  config: GroupConfig;
  dataDir: string;
  queueMaxBytes: number;
  logger: Logger;
  onEvent: (event: EngineEvent) => void;
}

const now = () => Date.now() / 1000;

export interface ProductionVolume {
  image: VolumeImage;
  dirty: DirtyMap;
  resyncing: DirtyMap;
  /**
   * The 4 KiB blocks a reprotect seeded (`<volume>.delta`, see seed): sent by the next resync of
   * extents, then removed; null when there are none.
   */
  delta: DirtyMap | null;
}

const deltaFile = (dir: string, volume: string) => join(dir, `${volume}.delta`);

export class ProductionGroup {
  readonly name: string;
  readonly volumes = new Map<string, ProductionVolume>();
  readonly pending = new PendingQueue();
  /** Highest seq such that every change up to it is applied and acknowledged to its client. */
  ackedSeq = 0;
  /** Highest seq handed to the link (reset to durableSeq on reconnect). */
  sentSeq = 0;
  /** Durable at the recovery site but not yet distributed: (seq, bytes) in seq order. */
  private undistributed: { seq: number; bytes: number }[] = [];
  private completedOutOfOrder = new Set<number>();
  private durableWaiters: { seq: number; resolve: () => void }[] = [];
  private stateName: EngineGroupState = "initializing";
  private fault: string | null = null;
  /** A fault the recovery site reports (e.g. a corrupt journal record): state `error`, capture goes on. */
  private remoteFault: string | null = null;
  /** Volumes whose image file was missing at open although the group held data (see refuseLostImages). */
  private readonly lostImages = new Set<string>();
  /** The recovery site's volumes differ from ours (a resize on one side only): nothing is shipped until they match. */
  private peerMismatch: string | null = null;
  sync: SyncStatus = syncStatus("none");
  /** Called when new records become shippable or a bookmark is made. */
  onShippable: () => void = () => {};
  private persistTimer: NodeJS.Timeout | null = null;
  private persisting: Promise<void> = Promise.resolve();

  private constructor(
    readonly config: GroupConfig,
    private readonly dir: string,
    private readonly log: SourceLog,
    private readonly st: PersistedGroup,
    private readonly queueMaxBytes: number,
    private readonly logger: Logger,
    private readonly emit: (event: EngineEvent) => void,
  ) {
    this.name = config.name;
  }

  static async open(o: ProductionGroupOptions): Promise<ProductionGroup> {
    const dir = join(o.dataDir, o.config.name);
    const stateFile = join(dir, "state.json");
    // A new group copies whatever its images already hold (initial sync, fast: zeroes match).
    const st = readState(stateFile, emptyState({ dirtySince: 0, resyncRequired: "fast", initialized: false }));
    const { log, records } = await SourceLog.open(join(dir, "queue"), o.logger);
    const logger = o.logger.child({ group: o.config.name });
    const g = new ProductionGroup(o.config, dir, log, st, o.queueMaxBytes, logger, o.onEvent);
    for (const v of o.config.volumes) {
      const image = await VolumeImage.open(v.name, v.path ?? join(dir, `${v.name}.img`), v.size);
      const dirty = await DirtyMap.open(join(dir, `${v.name}.dirty`), v.size);
      const resyncing = await DirtyMap.open(join(dir, `${v.name}.resyncing`), v.size);
      // A resync of dirty extents that a crash interrupted is redone from the start.
      await dirty.merge(resyncing);
      await resyncing.clear();
      const delta = existsSync(deltaFile(dir, v.name))
        ? await DirtyMap.open(deltaFile(dir, v.name), v.size, BLOCK_BYTES)
        : null;
      g.volumes.set(v.name, { image, dirty, resyncing, delta });
      st.counters[v.name] ??= { writtenBytesTotal: 0, writeOpsTotal: 0, trimmedBytesTotal: 0 };
    }
    await g.recover(records);
    g.refuseLostImages();
    return g;
  }

  /**
   * Prepares a group folder that holds only the volumes' images to open as a production group that
   * was protected before (reprotect, replication/reprotect): initialized, `ranges` marked in 4 KiB
   * delta maps, dirty since `since`, and a resync of `kind` required, so its first link session
   * sends exactly those blocks (`extents`) or the blocks that differ (`fast`), then ships its
   * writes as usual.
   */
  static async seed(o: {
    dataDir: string;
    config: GroupConfig;
    ranges: (volume: string) => { offset: number; length: number }[];
    since: number;
    kind: "extents" | "fast";
  }): Promise<void> {
    const dir = join(o.dataDir, o.config.name);
    for (const v of o.config.volumes) {
      const map = await DirtyMap.open(deltaFile(dir, v.name), v.size, BLOCK_BYTES);
      for (const r of o.ranges(v.name)) await map.mark(r.offset, r.length);
      await map.sync();
      await map.close();
    }
    await writeState(
      join(dir, "state.json"),
      emptyState({ dirtySince: o.since, resyncRequired: o.kind, initialized: true }),
    );
  }

  /**
   * An image file that vanished after the group held data (deleted, a lost mount) came back empty:
   * serving it would hand clients zeroes, and shipping or resyncing it would wipe the replica, the
   * only copy left. The group faults instead (nothing is shipped) and the volume refuses I/O.
   */
  private refuseLostImages(): void {
    if (!this.st.initialized && this.st.headSeq === 0) return;
    const lost = [...this.volumes].filter(([, v]) => v.image.created).map(([name]) => name);
    if (lost.length === 0) return;
    for (const name of lost) this.lostImages.add(name);
    this.setFault(
      `production image of ${lost.join(", ")} was missing and has been created empty; its data is only at the ` +
        "recovery site now: restore the file (or recover from the recovery site) and restart",
    );
  }

  /** Throws for a volume whose image was lost: its reads would return zeroes instead of the data. */
  assertReadable(volume: string): void {
    if (this.lostImages.has(volume)) throw new Error(`volume ${volume}: ${this.fault}`);
  }

  /**
   * Rebuilds the pending queue from the durable source queue and re-applies those records to the
   * images: a write may have reached the queue but not the image when the process was killed.
   */
  private async recover(records: QueuedRecord[]): Promise<void> {
    for (const { record: r, position } of records) {
      if (r.seq <= this.st.durableSeq) continue;
      await this.applyToImage(r, r.data ? [r.data] : []);
      this.pending.push(queued(r, position));
      this.st.headSeq = Math.max(this.st.headSeq, r.seq);
      this.st.headTs = Math.max(this.st.headTs, r.timestamp);
    }
    this.st.headSeq = Math.max(this.st.headSeq, this.st.durableSeq);
    this.ackedSeq = this.st.headSeq;
    this.sentSeq = this.st.durableSeq;
    this.logger.info(
      { headSeq: this.st.headSeq, durableSeq: this.st.durableSeq, pending: this.pending.length },
      "production group opened",
    );
    this.stateName = this.computeState();
  }

  get headSeq(): number {
    return this.st.headSeq;
  }
  get headTs(): number {
    return this.st.headTs;
  }
  get durableSeq(): number {
    return this.st.durableSeq;
  }
  get appliedSeq(): number {
    return this.st.appliedSeq;
  }
  get durableTs(): number {
    return this.st.durableTs;
  }
  get state(): EngineGroupState {
    return this.stateName;
  }
  get captureMode(): "data" | "bitmap" {
    return this.st.capture;
  }
  get resyncRequired(): ResyncKind | null {
    return this.st.resyncRequired;
  }
  get lastBookmark(): Bookmark | null {
    return this.st.lastBookmark;
  }
  get pendingBookmarks(): readonly Bookmark[] {
    return this.st.pendingBookmarks;
  }
  counters(volume: string): VolumeCounters {
    return this.st.counters[volume]!;
  }
  get paused(): boolean {
    return this.st.paused === true;
  }
  /**
   * Records may go on the link only when no resync owns the group, no operator paused it, nothing
   * failed here and both sites agree on the volumes.
   */
  get shipping(): boolean {
    return (
      !this.fenced && !this.paused && this.sync.kind === "none" && this.fault === null && this.peerMismatch === null
    );
  }

  /** Source time of the newest change acknowledged to a client (0 = none yet), for a split-brain check. */
  get newestWriteTs(): number {
    return this.st.lastWriteTs ?? this.st.headTs;
  }

  /** Set once the group failed over to another site: the site it went to and when this one heard. */
  get fenced(): Readonly<{ toSite: string; sinceTimestamp: number }> | null {
    return this.st.fenced ?? null;
  }

  /**
   * Fences the group because it failed over to `toSite`: from now on its exports refuse writes
   * (EPERM) and nothing more is shipped, so the two sites can never both take writes as production.
   * Saved before it resolves, so a restarted site stays fenced.
   */
  async fence(toSite: string): Promise<void> {
    if (this.st.fenced) return;
    this.st.fenced = { toSite, sinceTimestamp: now() };
    if (!(await this.persistNow())) throw new Error(`group ${this.name}: ${this.faultReason}`);
    this.logger.warn({ toSite }, "group failed over to another site: fenced, writes refused");
    this.refreshState(`failed over to site ${toSite}`);
  }

  /**
   * The site this group was fenced for discarded its promotion (split brain resolved in this site's
   * favour): writes are taken again, and every block is compared with that site's fresh replica
   * and the differing ones sent (a fast resync), which overwrites its writes after the split.
   */
  async takeBack(): Promise<void> {
    if (!this.st.fenced) return;
    const from = this.st.fenced.toSite;
    delete this.st.fenced;
    delete this.st.frozen;
    this.st.resyncRequired = this.st.resyncRequired === "full" ? "full" : "fast";
    if (!(await this.persistNow())) throw new Error(`group ${this.name}: ${this.faultReason}`);
    this.logger.warn({ from }, "the failover was discarded there: production again, resyncing it");
    this.refreshState(`site ${from} discarded its promotion: production here again`);
  }

  get frozen(): Readonly<{ toSite: string; sinceTimestamp: number }> | null {
    return this.st.frozen ?? null;
  }

  /**
   * Starts a planned failback to `toSite`: from now on client writes are refused (EPERM) while the
   * queue keeps shipping, so once it is durable there nothing acknowledged is left only here.
   * Saved before it resolves: a restarted site stays frozen until the failback ends or is undone.
   */
  async freeze(toSite: string | null): Promise<void> {
    if (toSite === null) delete this.st.frozen;
    else this.st.frozen ??= { toSite, sinceTimestamp: now() };
    if (!(await this.persistNow())) throw new Error(`group ${this.name}: ${this.faultReason}`);
  }

  /** Bytes acknowledged here and not yet durable at the recovery site: queued, or marked in the maps. */
  undurableBytes(): number {
    let n = this.pending.totalBytes;
    for (const v of this.volumes.values())
      for (const map of [v.dirty, v.resyncing, v.delta]) if (map) n += map.dirtyExtents * map.unitBytes;
    return n;
  }

  /** Every change acknowledged to a client is durable at the recovery site. */
  get drained(): boolean {
    return this.st.durableSeq >= this.ackedSeq && this.sync.kind === "none" && this.nextResync() === null;
  }

  /**
   * Captures one client change; resolves when it may be acknowledged to the client. `data` (for a
   * write; empty otherwise) is the payload in the parts it arrived in, queued and written as they are.
   * A zero or trim range (up to 4 GiB in one NBD request) becomes consecutive changes of at most
   * MAX_CHANGE_BYTES: the recovery site keeps the replaced bytes of one change in memory at once.
   */
  async capture(
    volume: string,
    kind: ChangeKind,
    offset: number,
    length: number,
    data: readonly Buffer[],
    fua: boolean,
  ) {
    if (!this.volumes.has(volume)) throw new Error(`unknown volume ${volume}`);
    if (this.st.fenced)
      throw Object.assign(new Error(`group ${this.name} failed over to site ${this.st.fenced.toSite}`), {
        code: "EPERM",
      });
    if (this.st.frozen)
      throw Object.assign(new Error(`group ${this.name} is failing back to site ${this.st.frozen.toSite}`), {
        code: "EPERM",
      });
    if (this.fault) throw new Error(`group ${this.name} is in error: ${this.fault}`);
    const c = this.st.counters[volume]!;
    this.st.lastWriteTs = now();
    if (kind === "trim") c.trimmedBytesTotal += length;
    else c.writtenBytesTotal += length;
    c.writeOpsTotal++;
    this.schedulePersist();
    const change = (at: number, piece: number): ReplicatedWrite => ({
      seq: 0,
      timestamp: now(),
      volume,
      offset: offset + at,
      length: piece,
      kind,
    });
    if (kind === "write") return this.captureRecord(change(0, length), data, fua);
    for (let at = 0; at < length; at += MAX_CHANGE_BYTES) {
      const piece = Math.min(MAX_CHANGE_BYTES, length - at);
      // FUA on the last piece syncs the queue and image, which covers the pieces before it.
      await this.captureRecord(change(at, piece), [], fua && at + piece === length);
    }
  }

  /** One record (seq still 0): queued and applied, or only applied and marked dirty in bitmap mode. */
  private async captureRecord(record: ReplicatedWrite, data: readonly Buffer[], fua: boolean) {
    const v = this.volumes.get(record.volume)!;
    if (this.st.capture === "data" && this.pending.totalBytes + encodedSize(record) > this.queueMaxBytes)
      this.enterBitmap(record.timestamp);
    if (this.st.capture === "bitmap") {
      await this.applyToImage(record, data);
      await v.dirty.mark(record.offset, record.length);
      if (fua) await Promise.all([v.image.sync(), v.dirty.sync()]);
      return;
    }
    record.seq = ++this.st.headSeq;
    this.st.headTs = record.timestamp;
    const change = queued(record, null);
    this.pending.push(change);
    try {
      change.position = await this.log.append(encodeRecordParts(record, data), record.seq);
      await this.applyToImage(record, data);
    } catch (err) {
      this.setFault(`write failed: ${(err as Error).message}`);
      throw err;
    }
    this.complete(record.seq);
    if (fua) await Promise.all([this.log.sync(), v.image.sync()]);
    if (this.config.mode === "sync") await this.waitDurable(record.seq);
  }

  /** FLUSH: everything completed before this call is on stable storage when it resolves. */
  async flush(): Promise<void> {
    const all: Promise<void>[] = [this.log.sync()];
    for (const v of this.volumes.values()) all.push(v.image.sync(), v.dirty.sync());
    await Promise.all(all);
  }

  private async applyToImage(r: ReplicatedWrite, data: readonly Buffer[]): Promise<void> {
    const image = this.volumes.get(r.volume)?.image;
    if (!image) throw new Error(`record for unknown volume ${r.volume}`);
    if (r.kind === "write") await image.write(r.offset, data);
    else await image.zero(r.offset, r.length);
  }

  private complete(seq: number): void {
    this.completedOutOfOrder.add(seq);
    const before = this.ackedSeq;
    while (this.completedOutOfOrder.delete(this.ackedSeq + 1)) this.ackedSeq++;
    if (this.ackedSeq > before) this.onShippable();
  }

  private waitDurable(seq: number): Promise<void> {
    if (this.st.durableSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.durableWaiters.push({ seq, resolve }));
  }

  /** Sync-mode writes covered by durableSeq complete now. */
  private releaseDurableWaiters(): void {
    const ready = this.durableWaiters.filter((w) => w.seq <= this.st.durableSeq);
    this.durableWaiters = this.durableWaiters.filter((w) => w.seq > this.st.durableSeq);
    for (const w of ready) w.resolve();
  }

  private enterBitmap(since: number): void {
    this.st.capture = "bitmap";
    this.st.dirtySince = this.st.dirtySince || since;
    this.logger.warn({ queueBytes: this.pending.totalBytes, max: this.queueMaxBytes }, "queue full: bitmap mode");
    this.persistNow();
    this.refreshState(`source queue full (${this.pending.totalBytes} of ${this.queueMaxBytes} bytes)`);
  }

  /** Records ready for the link after `afterSeq`, bounded by batchBytes. */
  takeBatch(afterSeq: number, maxBytes: number): QueuedChange[] {
    return this.pending.slice(afterSeq, this.ackedSeq, maxBytes);
  }

  /** The encoded bytes of consecutive queued records, read back from the queue: one read per segment they span. */
  async readBatch(records: readonly QueuedChange[]): Promise<Buffer[]> {
    const runs: { position: QueuePosition; length: number }[] = [];
    for (const r of records) {
      if (!r.position) throw new Error(`record ${r.seq} is not in the source queue yet`);
      const run = runs.at(-1);
      if (run && run.position.file === r.position.file && run.position.at + run.length === r.position.at)
        run.length += r.bytes;
      else runs.push({ position: r.position, length: r.bytes });
    }
    return Promise.all(runs.map((run) => this.log.read(run.position, run.length)));
  }

  /** The recovery site reports what it holds durably and what it has distributed. */
  acknowledge(durableSeq: number, appliedSeq: number): void {
    if (durableSeq > this.st.headSeq) {
      this.setFault(`recovery site reports seq ${durableSeq} beyond head ${this.st.headSeq}`);
      return;
    }
    if (durableSeq > this.st.durableSeq) {
      const last = this.pending.slice(durableSeq - 1, durableSeq, 1)[0];
      const bytes = this.pending.dropThrough(durableSeq);
      this.undistributed.push({ seq: durableSeq, bytes });
      this.st.durableSeq = durableSeq;
      if (last) this.st.durableTs = last.timestamp;
      this.sentSeq = Math.max(this.sentSeq, durableSeq);
      this.releaseDurableWaiters();
      void this.log.trim(durableSeq).catch((err) => this.logger.error({ err }, "source queue trim failed"));
      this.schedulePersist();
    }
    this.st.appliedSeq = Math.max(this.st.appliedSeq, Math.min(appliedSeq, this.st.durableSeq));
    while (this.undistributed[0] && this.undistributed[0].seq <= this.st.appliedSeq) this.undistributed.shift();
  }

  /** The link (re)connected: the recovery site holds everything up to durableSeq; resend after it. */
  resumeFrom(durableSeq: number, appliedSeq: number, recoveryResyncing: boolean): void {
    // A pending extents resync (its extents are in the dirty maps) redoes the interrupted copy by itself.
    if (recoveryResyncing && this.sync.kind === "none" && this.st.resyncRequired !== "extents")
      this.requireResync("fast", "recovery site was interrupted in a resync");
    this.acknowledge(durableSeq, appliedSeq);
    this.sentSeq = this.st.durableSeq;
    // Resending must start right after durableSeq; if those records are gone, only a resync can help.
    const first = this.pending.first();
    const missing = durableSeq < this.ackedSeq && (!first || first.seq > durableSeq + 1);
    if (!this.fault && missing) this.requireResync("fast", `recovery site holds seq ${durableSeq} only`);
  }

  requireResync(kind: ResyncKind, reason: string): void {
    if (this.st.resyncRequired === "full" || this.st.resyncRequired === kind) return;
    this.st.resyncRequired = kind;
    this.logger.warn({ kind, reason }, "resync required");
    this.persistNow();
  }

  /** Bytes by location: queued here, sent and not durable, durable and not distributed. */
  backlog() {
    const inFlight = this.inFlightBytes();
    return {
      writes: Math.max(0, this.ackedSeq - this.st.durableSeq),
      productionBytes: this.pending.totalBytes - inFlight,
      inFlightBytes: inFlight,
      recoveryBytes: this.undistributed.reduce((n, u) => n + u.bytes, 0),
    };
  }

  /** Sent on the link, not yet durable at the recovery site. */
  inFlightBytes(): number {
    return this.pending.bytesThrough(this.sentSeq);
  }

  /** RPO per §1 of domain.md: age of the oldest acknowledged change not durable at the recovery site. */
  rpo(at = now()): { group: number; volumes: Map<string, number> } {
    const oldest = new Map<string, number>();
    // Oldest first: once every volume has its oldest pending write, the rest of the queue cannot matter.
    for (const r of this.pending) {
      if (!oldest.has(r.volume)) oldest.set(r.volume, r.timestamp);
      if (oldest.size === this.volumes.size) break;
    }
    const volumes = new Map<string, number>();
    let group = 0;
    for (const [name, v] of this.volumes) {
      let ts = oldest.get(name) ?? 0;
      if (this.st.dirtySince && (hasMarks(v.dirty) || hasMarks(v.resyncing) || hasMarks(v.delta)))
        ts = ts ? Math.min(ts, this.st.dirtySince) : this.st.dirtySince;
      const rpo = ts ? Math.max(0, at - ts) : 0;
      volumes.set(name, rpo);
      group = Math.max(group, rpo);
    }
    return { group, volumes };
  }

  makeBookmark(name: string): Bookmark {
    const b: Bookmark = { name, seq: this.st.headSeq, timestamp: now() };
    this.st.pendingBookmarks.push(b);
    this.persistNow();
    this.onShippable();
    return b;
  }

  /** The recovery site confirmed it stored these bookmarks. */
  bookmarkStored(b: Bookmark): void {
    this.st.pendingBookmarks = this.st.pendingBookmarks.filter((x) => x.name !== b.name || x.seq !== b.seq);
    if (!this.st.lastBookmark || b.seq >= this.st.lastBookmark.seq) this.st.lastBookmark = b;
    this.persistNow();
  }

  /** The recovery site can never store this bookmark (its seq left the journal's window first). */
  bookmarkDropped(b: Bookmark, reason: string): void {
    this.st.pendingBookmarks = this.st.pendingBookmarks.filter((x) => x.name !== b.name || x.seq !== b.seq);
    this.logger.error({ bookmark: b.name, seq: b.seq, reason }, "bookmark dropped");
    this.persistNow();
  }

  // --- resync support (used by replication/sync) ---

  /** Starts a resync: shipping holds, and the dirty extents move aside so new overflow is kept apart. */
  async beginResync(kind: ResyncKind): Promise<{ startSeq: number; startTs: number }> {
    this.sync = syncStatus(kind);
    // Dirty extents move aside (any copy covers them); new overflow during the resync is kept apart.
    for (const v of this.volumes.values()) {
      await v.resyncing.merge(v.dirty);
      await v.resyncing.sync();
      await v.dirty.clear();
    }
    this.st.capture = "data";
    this.persistNow();
    this.refreshState(`${kind} resync started`);
    // Copying blocks covers every change up to ackedSeq; copying extents only those in the maps: the
    // changes queued and not yet durable there must still ship after it (a reprotect seeds extents
    // while clients write).
    if (kind !== "extents") return { startSeq: this.ackedSeq, startTs: now() };
    // The journal's window restarts at startSeq: its time must not be later than the next record's.
    return { startSeq: this.st.durableSeq, startTs: Math.min(now(), this.pending.first()?.timestamp ?? now()) };
  }

  /** The recovery site holds a consistent copy as of startSeq: forget what the copy covered. */
  async endResync(startSeq: number, kind: ResyncKind): Promise<void> {
    for (const [name, v] of this.volumes) {
      await v.resyncing.clear();
      if (!v.delta) continue;
      await v.delta.close();
      await rm(deltaFile(this.dir, name), { force: true });
      v.delta = null;
    }
    if (kind !== "extents") this.pending.dropThrough(startSeq);
    this.st.durableSeq = Math.max(this.st.durableSeq, startSeq);
    this.sentSeq = this.st.durableSeq;
    this.releaseDurableWaiters();
    if (this.st.resyncRequired === kind || kind === "full") this.st.resyncRequired = null;
    if (this.st.capture === "data") this.st.dirtySince = 0;
    this.st.initialized = true;
    this.sync = syncStatus("none", 1);
    await this.log.trim(this.st.durableSeq);
    this.persistNow();
    this.refreshState(`${kind} resync finished`);
    this.onShippable();
  }

  /** A resync that failed (link lost): the extents go back to the dirty map, to be redone. */
  async abortResync(reason: string): Promise<void> {
    if (this.sync.kind === "none") return;
    for (const v of this.volumes.values()) {
      await v.dirty.merge(v.resyncing);
      await v.resyncing.clear();
    }
    if (this.sync.kind !== "extents") this.st.resyncRequired ??= this.sync.kind;
    this.sync = syncStatus("none");
    this.persistNow();
    this.refreshState(`resync aborted: ${reason}`);
  }

  /** The next resync this group needs, if any (extents only once the queue has drained). */
  nextResync(): ResyncKind | null {
    if (this.st.fenced || this.fault || this.peerMismatch || this.paused || this.sync.kind !== "none") return null;
    if (this.st.resyncRequired) return this.st.resyncRequired;
    const hasDirty = [...this.volumes.values()].some((v) => hasMarks(v.dirty) || hasMarks(v.delta));
    // The journal drops undistributed history when a resync begins, so extents wait for it too.
    const drained = this.st.durableSeq >= this.ackedSeq && this.st.appliedSeq >= this.st.durableSeq;
    if ((this.st.capture === "bitmap" || hasDirty) && drained) return "extents";
    return null;
  }

  /** Pauses or resumes shipping; persisted at once, so a restarted site stays paused. */
  async setPaused(paused: boolean): Promise<void> {
    this.st.paused = paused;
    if (!(await this.persistNow())) throw new Error(`group ${this.name}: ${this.faultReason}`);
    this.refreshState(paused ? "paused by operator" : "resumed by operator");
    if (!paused) this.onShippable();
  }

  setRemoteFault(reason: string | null): void {
    if (reason === this.remoteFault) return;
    this.remoteFault = reason;
    if (reason) this.logger.error({ reason }, "recovery site reports a fault");
    this.refreshState(reason ?? "recovery site fault cleared");
  }

  /**
   * Compares the recovery site's volume sizes (sent when the link comes up) with ours. A volume
   * resized on one side only would have its writes past the smaller size refused over and over;
   * instead the group holds shipping in state `error` and says which volume differs, and resumes
   * once a reconnect finds the sizes equal.
   */
  matchPeerVolumes(peer: Record<string, number>): void {
    const differences = this.config.volumes.flatMap((v) => {
      const theirs = peer[v.name];
      if (theirs === undefined) return [`volume ${v.name} is missing at the recovery site`];
      return theirs === v.size ? [] : [`volume ${v.name} is ${v.size} bytes here, ${theirs} at the recovery site`];
    });
    const reason = differences.length > 0 ? `${differences.join("; ")}: shipping held until they match` : null;
    if (reason === this.peerMismatch) return;
    this.peerMismatch = reason;
    if (reason) this.logger.error({ reason }, "recovery site volumes differ");
    this.refreshState(reason ?? "recovery site volumes match again");
    if (!reason) this.onShippable();
  }

  /** Why the group is in state `error`; null otherwise. */
  get faultReason(): string | null {
    return this.fault ?? this.peerMismatch ?? this.remoteFault;
  }

  setFault(reason: string): void {
    if (this.fault) return;
    this.fault = reason;
    this.logger.error({ reason }, "group fault");
    this.refreshState(reason);
  }

  private computeState(): EngineGroupState {
    if (this.st.fenced) return "failed-over";
    if (this.faultReason) return "error";
    if (this.paused) return "paused";
    if (!this.st.initialized) return "initializing";
    if (this.sync.kind !== "none") return "resyncing";
    return this.st.capture === "bitmap" ? "bitmap" : "active";
  }

  /** Recomputes the reported state and emits a `state` event when it changed. */
  refreshState(reason: string): void {
    const to = this.computeState();
    if (to === this.stateName) return;
    const from = this.stateName;
    this.stateName = to;
    this.logger.info({ from, to, reason }, "group state");
    this.emit({ type: "state", group: this.name, from, to, reason });
  }

  private schedulePersist(): void {
    this.persistTimer ??= setTimeout(() => {
      this.persistTimer = null;
      this.persistNow();
    }, 1000);
  }

  /**
   * Saves the state in call order; resolves false when the save failed. A group whose state cannot
   * be saved would come back from a restart with positions it has moved past (resending, or
   * skipping, what the recovery site holds), so a failed save faults it: state `error` with the reason.
   */
  private persistNow(): Promise<boolean> {
    const snapshot = JSON.parse(JSON.stringify(this.st)) as PersistedGroup;
    const saved = this.persisting.then(async () => {
      try {
        await writeState(join(this.dir, "state.json"), snapshot);
        return true;
      } catch (err) {
        this.setFault(`cannot save the group state: ${(err as Error).message}`);
        return false;
      }
    });
    this.persisting = saved.then(() => {});
    return saved;
  }

  async close(): Promise<void> {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    await this.persistNow();
    await this.log.close();
    for (const v of this.volumes.values()) {
      await v.image.sync();
      await Promise.all([v.image.close(), v.dirty.close(), v.resyncing.close(), v.delta?.close()]);
    }
  }
}

function hasMarks(map: DirtyMap | null): boolean {
  return (map?.dirtyExtents ?? 0) > 0;
}

/** A group's state before its first write: nothing queued, shipped or counted. */
function emptyState(o: Pick<PersistedGroup, "dirtySince" | "resyncRequired" | "initialized">): PersistedGroup {
  return {
    headSeq: 0,
    headTs: 0,
    durableSeq: 0,
    appliedSeq: 0,
    durableTs: 0,
    capture: "data",
    counters: {},
    lastBookmark: null,
    pendingBookmarks: [],
    paused: false,
    ...o,
  };
}

function queued(r: ReplicatedWrite, position: QueuePosition | null): QueuedChange {
  return {
    seq: r.seq,
    timestamp: r.timestamp,
    volume: r.volume,
    offset: r.offset,
    length: r.length,
    position,
    bytes: encodedSize(r),
  };
}
