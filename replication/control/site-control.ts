/**
 * What the control API can ask of a running site. Operations name a group; the site routes each to
 * the side where that group's direction lets it be done (replication/site.ts).
 */
import type { FailoverRequest, FailoverView } from "../failover/failover.ts";
import type { BookmarkStatus, GroupFailbackStatus, GroupReprotectStatus, SiteStatus } from "../status.ts";
import type { EventHub } from "./event-hub.ts";
import type { RecoveryOperations } from "./recovery-operations.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SiteControl {
  readonly events: EventHub;
  /** Recovery points, image access, test failover and drills of the site's recovery groups (docs/recovery.md). */
  readonly recovery?: RecoveryOperations;
  /** Failover of a recovery group to this site (docs/recovery.md). */
  readonly failovers?: FailoverOperations;
  status(): SiteStatus;
  bookmark(group: string, name: string): Promise<BookmarkStatus>;
  /** Operator override of the link limit of the site's production groups (0 = unlimited, null = back to config and schedule). */
  setLinkLimit(bytesPerSecond: number | null): number;
  /** Pauses shipping a group until resumed; kept across restarts. */
  pause(group: string): Promise<void>;
  resume(group: string): Promise<void>;
  resync(group: string, kind: "full" | "fast"): void;
  /** A recovery group: forgets which production site feeds it, so another may connect. */
  releaseSource(group: string): Promise<void>;
}

export interface FailoverOperations {
  failover(group: string, request: FailoverRequest): Promise<FailoverView>;
  /** Reverses replication of a failed-over group towards its old production site; `body` as the API took it. */
  reprotect(group: string, body: unknown): Promise<GroupReprotectStatus>;
  /** Planned failback from this (production) site to the group's recovery site. */
  failback(group: string): Promise<GroupFailbackStatus>;
  /** Undoes a failback cut short: the group takes writes here again. */
  cancelFailback(group: string): Promise<{ group: string }>;
}
