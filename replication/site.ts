/**
 * An engine site: its production groups and its recovery groups side by side, each direction on a
 * side of its own (`production-side.ts`, `recovery-side.ts`), and the control API. Direction
 * belongs to a group, so the site routes each operation to the side that holds the group, and an
 * operation the group's direction cannot do here is refused with 409 naming the group and its
 * direction.
 */
import { parseHostPort } from "../lib/host-port.ts";
import type { Logger } from "../lib/log.ts";
import { type Direction, groupDirection, type SiteConfig } from "./config.ts";
import { EventHub } from "./control/event-hub.ts";
import { ControlServer } from "./control/http-api.ts";
import { ApiError, type SiteControl } from "./control/site-control.ts";
import { ProductionSide } from "./production-side.ts";
import { SiteRecoveryOperations } from "./recovery-operations.ts";
import { RecoverySide } from "./recovery-side.ts";
import type { BookmarkStatus, SiteStatus } from "./status.ts";

export interface RunningSite {
  /** Ports bound (the configured ones, or those the system chose for port 0). */
  controlPort: number;
  nbdPort?: number;
  linkPort?: number;
  stop(): Promise<void>;
}

export class Site implements SiteControl {
  readonly events: EventHub;
  recovery?: SiteRecoveryOperations;
  private readonly startedAt = Date.now() / 1000;
  private readonly directions: Map<string, Direction>;
  /** Present when the site has groups of that direction. */
  private readonly productionSide: ProductionSide | null;
  private readonly recoverySide: RecoverySide | null;

  constructor(
    private readonly config: SiteConfig,
    private readonly version: string,
    private readonly logger: Logger,
  ) {
    this.events = new EventHub(logger);
    this.directions = new Map(config.groups.map((g) => [g.name, groupDirection(config, g)]));
    const of = (d: Direction) => config.groups.filter((g) => this.directions.get(g.name) === d);
    const production = of("production");
    const recovery = of("recovery");
    this.productionSide = production.length > 0 ? new ProductionSide(config, production, this.events, logger) : null;
    this.recoverySide = recovery.length > 0 ? new RecoverySide(config, recovery, this.events, logger) : null;
  }

  async start(): Promise<{ nbdPort?: number; linkPort?: number }> {
    const recovery = await this.recoverySide?.start();
    const production = await this.productionSide?.start();
    this.recovery = await SiteRecoveryOperations.open({
      dataDir: this.config.dataDir,
      // Images are served where the operator reaches the control API, each session on a port of its own.
      host: parseHostPort(this.config.control.listen).host,
      logger: this.logger,
      group: (name) => this.recoveryGroup(name, "image access (recovery points, images, test failover)").group(name),
      rpoOf: (name) => this.recoveryGroup(name, "a recovery-point estimate").rpoOf(name),
    });
    return { ...production, ...recovery };
  }

  async stop(): Promise<void> {
    await this.recovery?.close();
    await this.productionSide?.stop();
    await this.recoverySide?.stop();
  }

  status(): SiteStatus {
    const at = Date.now() / 1000;
    const order = [...this.directions.keys()];
    const groups = [
      ...(this.productionSide?.groupStatus(at) ?? []),
      ...(this.recoverySide?.groupStatus(at, (name) => this.recovery?.status(name)) ?? []),
    ].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    const links = [this.productionSide?.linkStatus(), this.recoverySide?.linkStatus()].filter((l) => l !== undefined);
    return {
      site: this.config.site,
      role: this.config.role,
      timestamp: at,
      startedAt: this.startedAt,
      version: this.version,
      groups,
      links,
    };
  }

  /** Either direction takes a bookmark: production at its head, recovery at what its journal holds durably. */
  bookmark(group: string, name: string): Promise<BookmarkStatus> {
    const side = this.directionOf(group) === "production" ? this.productionSide : this.recoverySide;
    return side!.bookmark(group, name);
  }

  setLinkLimit(bytesPerSecond: number | null): number {
    if (!this.productionSide)
      throw new ApiError(
        409,
        `site ${this.config.site} has no production group: the link limit is set on the site that ships`,
      );
    return this.productionSide.setLinkLimit(bytesPerSecond);
  }

  pause(group: string): Promise<void> {
    return this.productionGroup(group, "pausing replication").pause(group);
  }

  resume(group: string): Promise<void> {
    return this.productionGroup(group, "resuming replication").resume(group);
  }

  resync(group: string, kind: "full" | "fast"): void {
    this.productionGroup(group, "a resync").resync(group, kind);
  }

  releaseSource(group: string): Promise<void> {
    return this.recoveryGroup(group, "releasing its source").releaseSource(group);
  }

  private directionOf(group: string): Direction {
    const d = this.directions.get(group);
    if (!d) throw new ApiError(404, `no group "${group}" on this site`);
    return d;
  }

  /** The side of a group that is production here; `what` says what was asked, for the refusal. */
  private productionGroup(group: string, what: string): ProductionSide {
    if (this.directionOf(group) !== "production" || !this.productionSide)
      throw new ApiError(
        409,
        `group "${group}" is a recovery group on site ${this.config.site}: ${what} is done at its production site`,
      );
    return this.productionSide;
  }

  private recoveryGroup(group: string, what: string): RecoverySide {
    if (this.directionOf(group) !== "recovery" || !this.recoverySide)
      throw new ApiError(
        409,
        `group "${group}" is a production group on site ${this.config.site}: ${what} is done at its recovery site`,
      );
    return this.recoverySide;
  }
}

export async function startSite(config: SiteConfig, version: string, logger: Logger): Promise<RunningSite> {
  const site = new Site(config, version, logger);
  const control = new ControlServer(site, logger);
  const { host, port } = parseHostPort(config.control.listen);
  let controlPort: number;
  let bound: { nbdPort?: number; linkPort?: number };
  try {
    bound = await site.start();
    controlPort = await control.listen(host, port);
  } catch (err) {
    // A half-started site must not linger (an NBD export without its API, a link without status).
    await control.close().catch(() => {});
    await site.stop().catch(() => {});
    throw err;
  }
  return {
    controlPort,
    ...bound,
    async stop() {
      await control.close();
      await site.stop();
    },
  };
}
