/**
 * A production site: its groups, the NBD server exporting their volumes, the shipper to the
 * recovery site, periodic bookmarks, and the operations the control API offers.
 */
import { join } from "node:path";
import { resolveSecret } from "../lib/config-file.ts";
import { parseHostPort } from "../lib/host-port.ts";
import type { Logger } from "../lib/log.ts";
import type { SiteConfig } from "./config.ts";
import { EventHub } from "./control/event-hub.ts";
import { ApiError, type SiteControl } from "./control/site-control.ts";
import { LinkTracker } from "./link/link-status.ts";
import { effectiveLimit } from "./link/schedule.ts";
import { Shipper } from "./link/shipper.ts";
import { loadLinkTls } from "./link/tls.ts";
import { TokenBucket } from "./link/token-bucket.ts";
import { NbdServer } from "./nbd/server.ts";
import { productionGroupStatus } from "./production/group-status.ts";
import { ProductionGroup } from "./production/production-group.ts";
import { VolumeBackend } from "./production/volume-backend.ts";
import { MAX_CHANGE_BYTES } from "./records.ts";
import type { BookmarkStatus, SiteStatus } from "./status.ts";
import { runResync } from "./sync/resync.ts";

export class ProductionSite implements SiteControl {
  readonly role = "production";
  readonly events: EventHub;
  private readonly startedAt = Date.now() / 1000;
  private groups: ProductionGroup[] = [];
  private readonly backends = new Map<string, VolumeBackend>();
  private nbd: NbdServer | null = null;
  private shipper: Shipper | null = null;
  private readonly tracker: LinkTracker;
  private readonly bucket: TokenBucket;
  private limitOverride: number | null = null;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly config: SiteConfig,
    private readonly version: string,
    private readonly logger: Logger,
  ) {
    this.events = new EventHub(logger);
    this.tracker = new LinkTracker(config.site, "production", this.events.emit);
    this.bucket = new TokenBucket(this.scheduledLimit());
  }

  async start(): Promise<{ nbdPort: number }> {
    const { config } = this;
    const psk = resolveSecret(config.link.psk);
    for (const gc of config.groups) {
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
    const { host, port } = parseHostPort(config.nbd!.listen);
    const bound = await this.nbd.listen(host, port);
    return { nbdPort: bound.port };
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.nbd?.close();
    await this.shipper?.stop();
    for (const g of this.groups) await g.close();
  }

  status(): SiteStatus {
    const at = Date.now() / 1000;
    const link = this.tracker.status(this.bucket.bytesPerSecond);
    return {
      site: this.config.site,
      role: "production",
      timestamp: at,
      startedAt: this.startedAt,
      version: this.version,
      groups: this.groups.map((g) => productionGroupStatus(g, this.tracker.lastContactTimestamp, at)),
      links: [link],
    };
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

  releaseSource(): Promise<void> {
    throw new ApiError(409, "a group's source is released on the recovery site");
  }

  private scheduledLimit(): number {
    return this.limitOverride ?? effectiveLimit(this.config.link.limit, this.config.link.schedule);
  }

  private applySchedule(): void {
    const limit = this.scheduledLimit();
    if (limit !== this.bucket.bytesPerSecond) this.bucket.setRate(limit);
  }

  private group(name: string): ProductionGroup {
    const g = this.groups.find((x) => x.name === name);
    if (!g) throw new ApiError(404, `no group "${name}" on this site`);
    return g;
  }
}
