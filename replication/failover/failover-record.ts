/**
 * What a recovery site keeps of a group's failover, in `<group dir>/failover.json`, written
 * atomically: the point, and whether the replica has been rolled to it yet. It is read before the
 * link listens, so a restarted site never lets the old production site feed a failed-over group.
 * Reprotect (replication/reprotect) starts from it: the point (seq) splits what the old side wrote
 * after the failover (journal records above it) from what it had shipped before, and the request
 * time is the split a split-brain check compares the old side's writes with.
 */
import { join } from "node:path";
import { readState, writeState } from "../production/state-file.ts";

export interface FailoverRecord {
  /** `promoting` until the replica holds the point durably; then `promoted` (served writable here). */
  phase: "promoting" | "promoted";
  point: { seq: number; timestamp: number; bookmark?: string };
  /** The production site the group replicated from, when known. */
  fromSite: string | null;
  requestedAt: number;
  promotedAt?: number;
  /** Port the promoted volumes are served on: a restart binds it again, so clients reconnect unchanged. */
  port?: number;
  /** The drill record of this failover. */
  drill: string;
  /** A failback's failover: reprotect follows by itself once the old production site has reported. */
  reprotectNext?: boolean;
}

export const FAILOVER_FILE = "failover.json";

export function readFailoverRecord(groupDir: string): FailoverRecord | null {
  return readState<FailoverRecord | null>(join(groupDir, FAILOVER_FILE), null);
}

export function writeFailoverRecord(groupDir: string, record: FailoverRecord): Promise<void> {
  return writeState(join(groupDir, FAILOVER_FILE), record);
}
