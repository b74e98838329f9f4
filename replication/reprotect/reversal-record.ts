/**
 * What a site keeps of a group whose direction was reversed by reprotect, in
 * `<group dir>/reversal.json`, written atomically. It overrides the configured direction of the
 * group at this site (replication/site.ts reads it before building the sides), and its phase says
 * how far the reversal got, so a restart finishes it (docs/recovery.md "Reprotect").
 */
import { join } from "node:path";
import type { Direction } from "../config.ts";
import { readState, writeState } from "../production/state-file.ts";

/** Runs of unit indices (`unitBytes` each): [first unit, count]. */
export type ExtentRuns = [number, number][];

export interface ReversalRecord {
  /** The group's direction at this site from now on. */
  direction: Direction;
  /** The site at the other end of the reversed link. */
  peerSite: string;
  /**
   * `retiring`: the old direction's files are being removed (redone after a crash); `resyncing`: the
   * new production sends the extents that differ; `protected`: replication runs the new way.
   */
  phase: "retiring" | "resyncing" | "protected";
  startedAt: number;
  endedAt?: number;
  /** New production only: the extents to send, by volume (kept until they are in its dirty maps). */
  extents?: Record<string, ExtentRuns>;
  /** The unit of `extents`: 4 KiB; absent in records written before it was, whose unit is 64 KiB. */
  unitBytes?: number;
  /** New production only: since when its writes are unprotected (the promotion), for its RPO. */
  atRiskSince?: number;
  /** New production only: bytes of those extents. */
  bytesToSend?: number;
  /** Bytes the resync sent (once it ended). */
  bytesSent?: number;
  /** The journal no longer held the failover point: every block is compared instead. */
  compareAll?: boolean;
  /** A split brain was resolved by discarding this site's writes after the split. */
  discardSide?: string;
}

export const REVERSAL_FILE = "reversal.json";

export function readReversal(groupDir: string): ReversalRecord | null {
  return readState<ReversalRecord | null>(join(groupDir, REVERSAL_FILE), null);
}

export function writeReversal(groupDir: string, record: ReversalRecord): Promise<void> {
  return writeState(join(groupDir, REVERSAL_FILE), record);
}
