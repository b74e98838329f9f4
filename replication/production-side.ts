/**
 * The production side of a site: the groups that are production here, the NBD server exporting
 * their volumes, the shipper to their recovery site, periodic bookmarks, and the operations only a
 * production group can do (replication/site.ts routes each operation to its group's side).
 */
import { join } from "node:path";
import { resolveSecret } from "../lib/config-file.ts";
import { formatHostPort, parseHostPort } from "../lib/host-port.ts";
import type { Logger } from "../lib/log.ts";
import type { GroupConfig, SiteConfig } from "./config.ts";
import type { EventHub } from "./control/event-hub.ts";
import { ApiError } from "./control/site-control.ts";
import { LinkTracker } from "./link/link-status.ts";
import { effectiveLimit } from "./link/schedule.ts";
import { LinkLost, Shipper } from "./link/shipper.ts";
import { loadLinkTls } from "./link/tls.ts";
import { TokenBucket } from "./link/token-bucket.ts";
import { NbdServer } from "./nbd/server.ts";
import { productionGroupStatus } from "./production/group-status.ts";
import { ProductionGroup } from "./production/production-group.ts";
import { VolumeBackend } from "./production/volume-backend.ts";
import { MAX_CHANGE_BYTES } from "./records.ts";
import type { BookmarkStatus, GroupStatus, LinkStatus } from "./status.ts";
import { runResync } from "./sync/resync.ts";

export class ProductionSide {
  private groups: ProductionGroup[] = [];
  private readonly backends = new Map<string, VolumeBackend>();
  private nbd: NbdServer | null = null;
  private shipper: Shipper | null = null;
  private readonly tracker: LinkTracker;
  private readonly bucket: TokenBucket;
  private limitOverride: number | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  /** host:port the NBD server bound, once started. */
  nbdAddress = "";

  /** `groups` are the site's groups whose direction is production. */
  constructor(
    private readonly config: SiteConfig,
    private readonly groupConfigs: GroupConfig[],
    private readonly events: EventHub,
    private readonly logger: Logger,
  ) {
    this.tracker = new LinkTracker(config.site, "production", events.emit);
    this.bucket = new TokenBucket(this.scheduledLimit());
  }

  /**
   * `nbdListen`: where the NBD server binds; the configured `nbd.listen`, or for a site that became
   * production by reprotect without one, a free port on the control API's host.
   */
  async start(nbdListen: string): Promise<{ nbdPort: number }> {
    const { config } = this;
    const psk = resolveSecret(config.link.psk);
    for (const gc of this.groupConfigs) {
      const g = await ProductionGroup.open({
        config: gc,
        dataDir: join(config.dataDir, "groups"),
        queueMaxBytes: config.queue.maxBytes,
        logger: this.logger,
        onEvent: this.events.emit,
      });
      this.groups.push(g);
      for (const v of gc.volumes) this.backends.set(v.name, new VolumeBackend(g, v.name, v.size));
      const every = gc.bookmarkInterval * 1000;
      if (every > 0) this.timers.push(setInterval(() => g.makeBookmark(`auto-${new Date().toISOString()}`), every));
    }
    this.shipper = new Shipper({
      site: config.site,
      link: config.link,
      psk,
      tls: loadLinkTls(config.link),
      canReceive: config.link.listen !== undefined,
      groups: this.groups,
      bucket: this.bucket,
      tracker: this.tracker,
      logger: this.logger,
      emit: this.events.emit,
      runResync: (g, session) => runResync(g, session, this.logger, this.events.emit),
    });
    this.shipper.start();
    this.timers.push(setInterval(() => this.applySchedule(), 10_000));
    this.nbd = new NbdServer({
      maxRequestBytes: MAX_CHANGE_BYTES,
      lookup: (name) => this.backends.get(name),
      list: () => [...this.backends.keys()],
      logger: this.logger,
    });
    const { host, port } = parseHostPort(nbdListen);
    const bound = await this.nbd.listen(host, port);
    this.nbdAddress = formatHostPort(bound);
    return { nbdPort: bound.port };
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.nbd?.close();
    await this.shipper?.stop();
    for (const g of this.groups) await g.close();
  }

  groupStatus(at: number): GroupStatus[] {
    return this.groups.map((g) => productionGroupStatus(g, this.tracker.lastContactTimestamp, at));
  }

  /** The link to the recovery site of this side's groups. */
  linkStatus(): LinkStatus {
    return this.tracker.status(this.bucket.bytesPerSecond);
  }

  async bookmark(group: string, name: string): Promise<BookmarkStatus> {
    return this.group(group).makeBookmark(name);
  }

  setLinkLimit(bytesPerSecond: number | null): number {
    this.limitOverride = bytesPerSecond;
    this.applySchedule();
    this.logger.info({ limit: this.bucket.bytesPerSecond }, "link limit changed");
    return this.bucket.bytesPerSecond;
  }

  pause(group: string): Promise<void> {
    return this.group(group).setPaused(true);
  }

  resume(group: string): Promise<void> {
    return this.group(group).setPaused(false);
  }

  resync(group: string, kind: "full" | "fast"): void {
    this.group(group).requireResync(kind, "requested by operator");
  }

  private scheduledLimit(): number {
    return this.limitOverride ?? effectiveLimit(this.config.link.limit, this.config.link.schedule);
  }

  private applySchedule(): void {
    const limit = this.scheduledLimit();
    if (limit !== this.bucket.bytesPerSecond) this.bucket.setRate(limit);
  }

  /** The site a group of this side failed over to (it is fenced), or null. */
  fencedTo(group: string): string | null {
    return this.groups.find((x) => x.name === group)?.fenced?.toSite ?? null;
  }

  /**
   * Starts a planned failback of a group to its recovery site: writes are refused from now on (kept
   * across a restart) while everything queued ships (replication/reprotect/failback-drain.ts waits
   * for it). Refused while the link is down.
   */
  async freezeForFailback(group: string, toSite: string): Promise<void> {
    const g = this.group(group);
    if (!this.linkUp) throw new ApiError(409, `the link to ${toSite} is down: a failback ships everything there first`);
    await g.freeze(toSite);
  }

  /** The link to the recovery site is up (authenticated). */
  get linkUp(): boolean {
    return this.tracker.status(0).state === "up";
  }

  /** The group, once this side opened it (null before, while the site reopens its sides). */
  openGroup(name: string): ProductionGroup | null {
    return this.groups.find((x) => x.name === name) ?? null;
  }

  /**
   * Once everything is durable there: asks the recovery site to fail the group over to itself and
   * reprotect it. A link that went down first rejects with LinkLost (ask again once it is up).
   */
  async handOver(group: string, toSite: string): Promise<void> {
    if (!this.shipper) throw new LinkLost(`the link to ${toSite} is not started`);
    await this.shipper.request({ op: "failback", group }).catch((err: Error) => {
      if (err instanceof LinkLost) throw err;
      throw new ApiError(409, `${toSite} did not take the failback: ${err.message}`);
    });
  }

  /** The site a group is frozen for (a failback began), when it was, and the bytes still to ship. */
  frozenStatus(group: string): { toSite: string; sinceTimestamp: number; undurableBytes: number } | null {
    const g = this.groups.find((x) => x.name === group);
    return g?.frozen ? { ...g.frozen, undurableBytes: g.undurableBytes() } : null;
  }

  /** The site a group is failing back to (its writes are refused), or null. */
  frozenTo(group: string): string | null {
    return this.groups.find((x) => x.name === group)?.frozen?.toSite ?? null;
  }

  /** Undoes a failback's freeze: the group takes writes again. */
  unfreeze(group: string): Promise<void> {
    return this.group(group).freeze(null);
  }

  /** Where each of a group's volumes is served. */
  volumeAddresses(group: string): { name: string; uri: string }[] {
    return this.group(group).config.volumes.map((v) => ({ name: v.name, uri: `nbd://${this.nbdAddress}/${v.name}` }));
  }

  /** The group's sync (resync) status and whether it still needs one. */
  syncOf(group: string): { sync: ProductionGroup["sync"]; resyncRequired: ProductionGroup["resyncRequired"] } {
    const g = this.group(group);
    return { sync: g.sync, resyncRequired: g.resyncRequired };
  }

  private group(name: string): ProductionGroup {
    const g = this.groups.find((x) => x.name === name);
    if (!g) throw new ApiError(404, `no group "${name}" on this site`);
    return g;
  }
}
