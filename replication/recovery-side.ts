/**
 * The recovery side of a site: one journal per group that is recovery here (replication/journal),
 * the link receiver feeding them, and a status whose RPO is an upper bound (domain.md §1.6): time
 * since the last contact plus the production site's RPO at that contact.
 */
import { join } from "node:path";
import { resolveSecret } from "../lib/config-file.ts";
import { parseHostPort } from "../lib/host-port.ts";
import type { Logger } from "../lib/log.ts";
import type { GroupConfig, SiteConfig } from "./config.ts";
import type { EventHub } from "./control/event-hub.ts";
import { ApiError } from "./control/site-control.ts";
import type { FailoverTarget } from "./failover/failover.ts";
import { type FailoverRecord, readFailoverRecord } from "./failover/failover-record.ts";
import { readPromotedWrites } from "./failover/promoted-volumes.ts";
import type { ImageGroup } from "./images/image-access.ts";
import { Journal } from "./journal/journal.ts";
import { LinkTracker } from "./link/link-status.ts";
import { type PeerView, Receiver, type ReceiverOptions } from "./link/receiver.ts";
import { loadLinkTls } from "./link/tls.ts";
import { readOldSide, writeOldSide } from "./reprotect/old-side-report.ts";
import type { ReprotectSource } from "./reprotect/reprotect.ts";
import {
  type BookmarkStatus,
  type EngineGroupState,
  type GroupFailoverStatus,
  type GroupRecoveryStatus,
  type GroupStatus,
  type LinkStatus,
  syncStatus,
} from "./status.ts";

export class RecoverySide {
  private readonly groups = new Map<string, { config: GroupConfig; journal: Journal; state: EngineGroupState }>();
  private receiver: Receiver | null = null;
  private readonly tracker: LinkTracker;
  /** Groups failing or failed over to this site: the link feeds them no more (replication/failover). */
  private readonly sealed = new Set<string>();
  private readonly failoverRecords = new Map<string, FailoverRecord>();
  /** Failed-over groups whose old production site reported what it holds (replication/reprotect). */
  private readonly reported = new Set<string>();

  /**
   * `groups` are the site's groups whose direction is recovery (none: the side only listens, so a
   * group fenced here can be reprotected towards this site); `turn` holds what reverses a
   * group's direction at this site when the other site asks over the link, or hands it back.
   */
  constructor(
    private readonly config: SiteConfig,
    private readonly groupConfigs: GroupConfig[],
    private readonly events: EventHub,
    private readonly logger: Logger,
    private readonly turn: Pick<ReceiverOptions, "reverse" | "failback" | "takeBack"> = {},
  ) {
    this.tracker = new LinkTracker(config.site, "recovery", events.emit);
  }

  /** `linkListen`: where the link listener binds (the configured address, or the port a first start bound). */
  async start(linkListen: string): Promise<{ linkPort: number }> {
    const { config } = this;
    const psk = resolveSecret(config.link.psk);
    for (const gc of this.groupConfigs) {
      const dir = join(config.dataDir, "groups", gc.name);
      // Read before the link listens: a failed-over group must never take the old site's writes.
      const failover = readFailoverRecord(dir);
      if (failover) {
        this.sealed.add(gc.name);
        this.failoverRecords.set(gc.name, failover);
        if (readOldSide(dir)) this.reported.add(gc.name);
      }
      const journal = await Journal.open({
        dir,
        group: gc,
        logger: this.logger.child({ group: gc.name }),
        onEvent: (e) => {
          if (e.type === "corrupt-record" || e.type === "bookmark") this.events.emit({ group: gc.name, ...e });
        },
      });
      this.groups.set(gc.name, { config: gc, journal, state: "active" });
    }
    this.receiver = new Receiver({
      site: config.site,
      psk,
      tls: loadLinkTls(config.link),
      groups: new Map([...this.groups].map(([name, g]) => [name, g.journal])),
      tracker: this.tracker,
      logger: this.logger,
      failedOver: (group) => this.sealed.has(group),
      divergence: async (group, report) => {
        await writeOldSide(join(config.dataDir, "groups", group), report);
        this.reported.add(group);
      },
      ...this.turn,
    });
    const { host, port } = parseHostPort(linkListen);
    return { linkPort: await this.receiver.listen(host, port) };
  }

  async stop(): Promise<void> {
    await this.receiver?.close();
    for (const g of this.groups.values()) await g.journal.close();
  }

  /**
   * `recoveryOf` adds what the site's recovery operations know of a group (image access, drills),
   * `failoverOf` what the failover knows; a promoted group reports direction production.
   */
  groupStatus(
    at: number,
    recoveryOf: (group: string) => GroupRecoveryStatus | undefined,
    failoverOf: (group: string) => GroupFailoverStatus | undefined,
  ): GroupStatus[] {
    const groups: GroupStatus[] = [];
    for (const [name, g] of this.groups) {
      const j = g.journal;
      const journal = j.journalStatus();
      const peer = this.receiver?.peer.get(name);
      this.refreshState(name, g);
      const b = j.lastBookmark();
      const recovery = recoveryOf(name);
      const failover = failoverOf(name);
      groups.push({
        name,
        direction: failover?.phase === "promoted" ? "production" : "recovery",
        tenant: g.config.tenant,
        state: g.state,
        fault: j.fault,
        mode: g.config.mode,
        rpoSeconds: rpoUpperBound(peer, journal.newestRecoverableTimestamp, at),
        rpoTargetSeconds: g.config.rpoTarget,
        headSeq: Math.max(peer?.headSeq ?? 0, j.durableSeq),
        durableSeq: j.durableSeq,
        appliedSeq: j.appliedSeq,
        backlog: {
          writes: Math.max(0, (peer?.headSeq ?? 0) - j.durableSeq),
          productionBytes: 0,
          inFlightBytes: 0,
          recoveryBytes: journal.undistributedBytes,
        },
        recoveryPointTimestamp: journal.newestRecoverableTimestamp,
        lastBookmark: b,
        bookmarkIntervalSeconds: g.config.bookmarkInterval,
        resyncRequired: j.resyncing,
        sync: j.resyncing ? syncStatus("full") : syncStatus("none", 1),
        ...(recovery?.lastTestFailoverTimestamp !== undefined && {
          lastTestFailoverTimestamp: recovery.lastTestFailoverTimestamp,
        }),
        // Client writes, their counters and per-volume RPO are measured where the writes land: at production.
        volumes: g.config.volumes.map((v) => ({ name: v.name, sizeBytes: v.size })),
        journal,
        ...(recovery && { recovery }),
        ...(failover && {
          failover:
            failover.phase === "promoted" ? { ...failover, oldSiteReported: this.reported.has(name) } : failover,
        }),
      });
    }
    return groups;
  }

  /** The link from the production site of this side's groups. */
  linkStatus(): LinkStatus {
    return this.tracker.status(0);
  }

  /** An on-demand bookmark here marks what the journal holds durably now. */
  async bookmark(group: string, name: string): Promise<BookmarkStatus> {
    const j = this.entry(group).journal;
    const b = { name, seq: j.durableSeq, timestamp: j.journalStatus().newestRecoverableTimestamp };
    await j.addBookmark(b);
    return b;
  }

  async releaseSource(group: string): Promise<void> {
    const j = this.entry(group).journal;
    this.logger.warn({ group, site: j.sourceSite }, "group released from its production site");
    await j.releaseSource();
  }

  rpoOf(group: string): number {
    const j = this.entry(group).journal;
    return rpoUpperBound(
      this.receiver?.peer.get(group),
      j.journalStatus().newestRecoverableTimestamp,
      Date.now() / 1000,
    );
  }

  private refreshState(name: string, g: { journal: Journal; state: EngineGroupState }): void {
    const j = g.journal;
    const to: EngineGroupState = this.sealed.has(name)
      ? "failed-over"
      : j.fault
        ? "error"
        : j.resyncing
          ? j.durableSeq === 0
            ? "initializing"
            : "resyncing"
          : "active";
    if (to === g.state) return;
    this.events.emit({
      type: "state",
      group: name,
      from: g.state,
      to,
      reason: this.sealed.has(name)
        ? "failed over to this site"
        : (j.fault ?? (j.resyncing ? "resync" : "journal ready")),
    });
    g.state = to;
  }

  /** Groups with a failover record when the site started, for the failover to resume. */
  failoversAtStart(): [string, FailoverRecord][] {
    return [...this.failoverRecords];
  }

  /** The group as a failover promotes it: its journal, its folder, and the seal on its link. */
  failoverTarget(name: string): FailoverTarget {
    const g = this.entry(name);
    return {
      config: g.config,
      dir: join(this.config.dataDir, "groups", name),
      journal: g.journal,
      seal: async () => {
        this.sealed.add(name);
        await this.receiver?.settle(name);
      },
      unseal: () => {
        this.sealed.delete(name);
      },
    };
  }

  /** The group as reprotect reads it (replication/reprotect), once promoted here. */
  reprotectSource(name: string, failover: FailoverRecord): ReprotectSource {
    const g = this.entry(name);
    const dir = join(this.config.dataDir, "groups", name);
    return {
      site: this.config.site,
      config: g.config,
      failover,
      canShip: this.config.link.peer !== undefined,
      report: readOldSide(dir),
      writtenHere: (volume) => readPromotedWrites(dir, volume, g.config.volumes.find((v) => v.name === volume)!.size),
      rolledBack: (volume, seq) => {
        // Records above the point must still be in the window, or some of them are unknown.
        try {
          g.journal.timestampOf(seq);
        } catch {
          return null;
        }
        return g.journal.changedAfter(volume, seq);
      },
    };
  }

  get hasGroups(): boolean {
    return this.groups.size > 0;
  }

  /** The group's journal, for image access and test failover. */
  group(name: string): ImageGroup {
    return this.entry(name);
  }

  private entry(name: string) {
    const g = this.groups.get(name);
    if (!g) throw new ApiError(404, `no group "${name}" on this site`);
    return g;
  }
}

/**
 * Upper bound of the data at risk as seen from here: the production site's RPO at the last
 * heartbeat plus the time since; before any contact, the age of the newest recoverable point.
 */
export function rpoUpperBound(peer: PeerView | undefined, newestTs: number, at: number): number {
  if (peer) return Math.max(0, peer.rpoSeconds + (at - peer.at));
  return newestTs > 0 ? Math.max(0, at - newestTs) : 0;
}
