/** What the control API can ask of a running site, whichever its role. */
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
  readonly role: "production" | "recovery";
  readonly events: EventHub;
  /** Recovery points, image access, test failover and drills: the recovery site's (docs/recovery.md). */
  readonly recovery?: RecoveryOperations;
  status(): SiteStatus;
  bookmark(group: string, name: string): Promise<BookmarkStatus>;
  /** Operator override of the link limit (0 = unlimited, null = back to config and schedule). */
  setLinkLimit(bytesPerSecond: number | null): number;
  /** Pauses shipping a group until resumed; kept across restarts. */
  pause(group: string): Promise<void>;
  resume(group: string): Promise<void>;
  resync(group: string, kind: "full" | "fast"): void;
  /** Recovery site: forgets which production site feeds the group, so another may connect. */
  releaseSource(group: string): Promise<void>;
}
