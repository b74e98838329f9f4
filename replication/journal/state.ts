/**
 * What every concern of a group's journal shares: its files (segments, replicas, bookmarks), the
 * persisted state, the in-memory index, window and pins, the two locks, and the group's fault.
 * The concern modules (append, distribution, point reads, retention, resync, source binding)
 * change it only through these methods.
 */
import type { Logger } from "../../lib/log.ts";
import type { GroupConfig } from "../config.ts";
import type { Bookmark } from "../records.ts";
import type { BookmarkLog } from "./bookmark-log.ts";
import { ExtentIndex } from "./extent-index.ts";
import { Mutex } from "./mutex.ts";
import { PinSet } from "./pins.ts";
import type { Replicas } from "./replicas.ts";
import type { SegmentStore } from "./segment-store.ts";
import { type GroupState, saveState } from "./state-file.ts";
import { SeqWindow } from "./window.ts";

export type JournalEvent =
  | { type: "corrupt-record"; segment: string; offset: number; reason: string }
  | { type: "trimmed"; reason: "time" | "space"; bytes: number }
  | { type: "bookmark"; bookmark: Bookmark };

export interface JournalOptions {
  /** Group directory: journal segments, state.json, bookmarks.log and, by default, the replicas. */
  dir: string;
  group: GroupConfig;
  logger: Logger;
  /** Unix seconds; injectable for retention tests. */
  now?: () => number;
  segmentBytes?: number;
  onEvent?: (e: JournalEvent) => void;
  /** Distribute in the background as soon as data is durable (default true); false leaves it to `catchUp()`. */
  autoDistribute?: boolean;
}

export class JournalState {
  readonly index: ExtentIndex;
  readonly window = new SeqWindow();
  readonly pins = new PinSet();
  /** Serializes journal appends, truncation and deletion. */
  readonly journalLock = new Mutex();
  /**
   * Serializes replica writes (with appliedSeq and the undo index) against trims and resyncs.
   * Point-in-time reads never take it: they pin what they read (point-reads.ts).
   */
  readonly imageLock = new Mutex();
  readonly now: () => number;
  private faultReason: string | null = null;
  /** Distribution cannot continue safely (I/O error, unrepairable replay); a redo gap alone just ends it. */
  private stopped = false;
  private corruptTotal = 0;
  private isClosed = false;

  constructor(
    readonly opts: JournalOptions,
    readonly store: SegmentStore,
    readonly replicas: Replicas,
    readonly bookmarkLog: BookmarkLog,
    private state: GroupState,
  ) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.index = new ExtentIndex(opts.group.volumes.map((v) => v.name));
  }

  get name(): string {
    return this.opts.group.name;
  }

  get logger(): Logger {
    return this.opts.logger;
  }

  /** The state as last persisted. */
  get saved(): Readonly<GroupState> {
    return this.state;
  }

  get resyncing(): boolean {
    return this.state.resyncing;
  }

  get fault(): string | null {
    return this.faultReason;
  }

  get distributionStopped(): boolean {
    return this.stopped;
  }

  get corruptRecordsTotal(): number {
    return this.corruptTotal;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  markClosed(): void {
    this.isClosed = true;
  }

  async persist(next: GroupState): Promise<void> {
    await saveState(this.opts.dir, next);
    this.state = next;
  }

  /** The first fault wins; `stop` also halts distribution (a redo gap alone only ends it at the gap). */
  setFault(reason: string, stop: boolean): void {
    this.faultReason ??= reason;
    if (stop) this.stopped = true;
    this.logger.error({ group: this.name, reason }, "journal: distribution stopped");
  }

  /** A resync discarded the history the fault was about. */
  clearFault(): void {
    this.faultReason = null;
    this.stopped = false;
  }

  reportCorrupt(c: { segment: string; offset: number; reason: string }): void {
    this.corruptTotal++;
    this.logger.error(c, "journal: corrupt record reported, never applied");
    this.emit({ type: "corrupt-record", ...c });
  }

  emit(e: JournalEvent): void {
    this.opts.onEvent?.(e);
  }

  assertOpen(): void {
    if (this.isClosed) throw new Error(`group ${this.name}: closed`);
  }

  assertWritable(): void {
    this.assertOpen();
    if (this.state.resyncing) throw new Error(`group ${this.name}: resyncing; journal writes refused`);
  }

  assertResyncing(): void {
    this.assertOpen();
    if (!this.state.resyncing) throw new Error(`group ${this.name}: not resyncing`);
  }

  assertInWindow(seq: number): void {
    if (this.state.resyncing) throw new RangeError(`seq ${seq}: no recoverable window while resyncing`);
    if (!this.window.contains(seq)) throw new RangeError(`seq ${seq} ${this.window.describe()}`);
  }
}
