/**
 * What the link receiver and the recovery site need from a group's journal
 * (replication/journal/journal.ts). Kept as an interface so the link depends on the
 * journal's contract, not on its internals.
 */
import type { Bookmark, ReplicatedWrite } from "../records.ts";

export interface RecoveryGroupPort {
  readonly durableSeq: number;
  readonly appliedSeq: number;
  readonly resyncing: boolean;
  /** Set when a corrupt record blocks distribution; the group reports state `error`. */
  readonly fault: string | null;
  /** Size in bytes of each replica, by volume name. */
  readonly volumeSizes: Record<string, number>;
  /** The production site the journal replicates from; null until bound. */
  readonly sourceSite: string | null;
  setSourceSite(site: string): Promise<void>;
  /** Durable when resolved; ignores seq <= durableSeq; rejects gaps. */
  appendBatch(records: ReplicatedWrite[]): Promise<void>;
  addBookmark(b: Bookmark): Promise<void>;
  lastBookmark(): Bookmark | null;
  blockChecksums(volume: string, offset: number, length: number, blockSize: number): Promise<Buffer[]>;
  beginResync(): Promise<void>;
  writeResyncBlock(volume: string, offset: number, data: Buffer): Promise<void>;
  endResync(atSeq: number, timestamp: number): Promise<void>;
  close(): Promise<void>;
}
