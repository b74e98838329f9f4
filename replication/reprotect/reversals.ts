/**
 * A site's reversed groups (reprotect): their records, the direction each gives its group here
 * (over the configured one), and their status. The site (replication/site.ts) asks this which
 * direction to open a group in, and tells it when a reversal is decided or its resync ends.
 */
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import { type Direction, groupDirection, type SiteConfig } from "../config.ts";
import type { GroupReprotectStatus, SyncStatus } from "../status.ts";
import { finishReversal } from "./finish.ts";
import { type ReversalRecord, readReversal, writeReversal } from "./reversal-record.ts";

export class Reversals {
  private readonly records = new Map<string, ReversalRecord>();

  constructor(
    private readonly config: SiteConfig,
    private readonly logger: Logger,
  ) {
    for (const g of config.groups) {
      const r = readReversal(this.dir(g.name));
      if (r) this.records.set(g.name, r);
    }
  }

  /** The group's direction here: its reversal's, or the configured one. */
  direction(group: string): Direction {
    const g = this.config.groups.find((x) => x.name === group)!;
    return this.records.get(group)?.direction ?? groupDirection(this.config, g);
  }

  get(group: string): ReversalRecord | undefined {
    return this.records.get(group);
  }

  /** Records a reversal durably; the site then reopens the group in its new direction. */
  async decide(group: string, record: ReversalRecord): Promise<void> {
    await writeReversal(this.dir(group), record);
    this.records.set(group, record);
    this.logger.warn(
      { group, direction: record.direction, peerSite: record.peerSite },
      "reprotect: direction reversed",
    );
  }

  /** Before the sides open: finishes every reversal still retiring its old direction (after a crash too). */
  async finish(now: number): Promise<void> {
    for (const [name, r] of this.records) {
      if (r.phase !== "retiring") continue;
      const config = this.config.groups.find((g) => g.name === name)!;
      this.records.set(name, await finishReversal(this.config.dataDir, config, r, now));
    }
  }

  /** The new production's resync of the extents ended: the group is protected the new way. */
  async resynced(group: string, bytesSent: number, now: number): Promise<void> {
    const r = this.records.get(group);
    if (r?.phase !== "resyncing") return;
    const done: ReversalRecord = { ...r, phase: "protected", endedAt: now, bytesSent };
    await writeReversal(this.dir(group), done);
    this.records.set(group, done);
    this.logger.info({ group, bytesSent, bytesToSend: r.bytesToSend }, "reprotect: extents sent, group protected");
  }

  /** `sync` is the group's sync status at the new production site; `volumes` where it serves them. */
  status(
    group: string,
    sync?: SyncStatus,
    volumes?: { name: string; uri: string }[],
  ): GroupReprotectStatus | undefined {
    const r = this.records.get(group);
    if (!r) return undefined;
    const copying = r.phase === "resyncing" && sync !== undefined && sync.kind !== "none";
    return {
      phase: r.phase,
      direction: r.direction,
      peerSite: r.peerSite,
      startedAt: r.startedAt,
      ...(r.endedAt !== undefined && { endedAt: r.endedAt }),
      ...(r.direction === "production" && {
        bytesToSend: r.bytesToSend ?? 0,
        bytesSent: r.bytesSent ?? (copying ? sync.bytesSent : 0),
        progressRatio: r.phase === "protected" ? 1 : copying ? sync.progressRatio : 0,
        etaSeconds: copying ? sync.etaSeconds : 0,
      }),
      ...(volumes && { volumes }),
    };
  }

  private dir(group: string): string {
    return join(this.config.dataDir, "groups", group);
  }
}
