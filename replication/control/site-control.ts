/**
 * What the control API can ask of a running site. Operations name a group; the site routes each to
 * the side where that group's direction lets it be done (replication/site.ts).
 */
import type { BookmarkStatus, SiteStatus } from "../status.ts";
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
