/**
 * An engine site: its production groups and its recovery groups side by side, each direction on a
 * side of its own (`production-side.ts`, `recovery-side.ts`), and the control API. Direction
 * belongs to a group, so the site routes each operation to the side that holds the group, and an
 * operation the group's direction cannot do here is refused with 409 naming the group and its
 * direction. A group's direction here is the configured one until reprotect or failback reverses
 * it (site-turns.ts, replication/reprotect); the sides are then reopened around the same images.
 */
import { formatHostPort, parseHostPort } from "../lib/host-port.ts";
import type { Logger } from "../lib/log.ts";
import type { Direction, SiteConfig } from "./config.ts";
import { EventHub } from "./control/event-hub.ts";
import { ControlServer } from "./control/http-api.ts";
import { ApiError, type FailoverOperations, type SiteControl } from "./control/site-control.ts";
import { type FailoverRequest, Failovers, type FailoverView } from "./failover/failover.ts";
import { ProductionSide } from "./production-side.ts";
import { SiteRecoveryOperations } from "./recovery-operations.ts";
import { RecoverySide } from "./recovery-side.ts";
import { parseReprotectRequest } from "./reprotect/reprotect.ts";
import { Reversals } from "./reprotect/reversals.ts";
import { SiteTurns } from "./site-turns.ts";
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
  failovers?: FailoverOperations;
  private failover: Failovers | null = null;
  private readonly startedAt = Date.now() / 1000;
  private readonly reversals: Reversals;
  private directions = new Map<string, Direction>();
  /** Present when the site has groups of that direction (the recovery side also when it only listens). */
  private productionSide: ProductionSide | null = null;
  private recoverySide: RecoverySide | null = null;
  /** Reopening the sides after a reversal, one at a time. */
  private reopening: Promise<void> = Promise.resolve();
  private readonly turns: SiteTurns;
  /** Ports the configured listeners bound first. */
  private readonly bound: { nbdPort?: number; linkPort?: number } = {};

  constructor(
    private readonly config: SiteConfig,
    private readonly version: string,
    private readonly logger: Logger,
  ) {
    this.events = new EventHub(logger);
    this.reversals = new Reversals(config, logger);
    const site = this;
    this.turns = new SiteTurns({
      name: config.site,
      logger,
      reversals: this.reversals,
      get directions() {
        return site.directions;
      },
      get productionSide() {
        return site.productionSide;
      },
      get recoverySide() {
        return site.recoverySide;
      },
      get failover() {
        return site.failover;
      },
      directionOf: (group) => this.directionOf(group),
      refuseFailedOver: (group, what) => this.refuseFailedOver(group, what),
      failOver: (group, request) => this.failOver(group, request),
      reopen: () => this.reopen(),
    });
    this.events.subscribe((e, at) => {
      if (e.type === "sync" && e.phase === "end")
        this.reversals
          .resynced(e.group, e.bytesSent, at)
          .catch((err: Error) => logger.error({ group: e.group, err: err.message }, "reprotect record not saved"));
    });
  }

  async start(): Promise<{ nbdPort?: number; linkPort?: number }> {
    await this.reversals.finish(Date.now() / 1000);
    return this.startSides();
  }

  async stop(): Promise<void> {
    await this.reopening.catch(() => {});
    await this.stopSides();
  }

  /** Builds and starts each direction's side from the groups' directions now (configured, or reversed by reprotect). */
  private async startSides(): Promise<{ nbdPort?: number; linkPort?: number }> {
    const { config } = this;
    this.directions = new Map(config.groups.map((g) => [g.name, this.reversals.direction(g.name)]));
    const of = (d: Direction) => config.groups.filter((g) => this.directions.get(g.name) === d);
    const production = of("production");
    const recovery = of("recovery");
    const controlHost = parseHostPort(config.control.listen).host;
    this.productionSide =
      production.length > 0 ? new ProductionSide(config, production, this.events, this.logger) : null;
    // A site with a link listener keeps it even without recovery groups: a group fenced here is
    // reprotected towards this site through it.
    this.recoverySide =
      recovery.length > 0 || config.link.listen !== undefined
        ? new RecoverySide(config, recovery, this.events, this.logger, {
            reverse: (peer, groups) => this.turns.reverseHere(peer, groups),
            failback: (group, fromSite) => this.turns.failbackHere(group, fromSite),
            takeBack: (group) => this.reversals.get(group)?.discardSide === config.site,
          })
        : null;
    // Reopened sides bind the ports the first start bound (a configured port 0 stays the same port).
    const held = (listen: string, port: number | undefined) =>
      port === undefined ? listen : formatHostPort({ host: parseHostPort(listen).host, port });
    const recoveryPorts = await this.recoverySide?.start(held(config.link.listen ?? "", this.bound.linkPort));
    const productionPorts = await this.productionSide?.start(
      config.nbd ? held(config.nbd.listen, this.bound.nbdPort) : formatHostPort({ host: controlHost, port: 0 }),
    );
    if (config.link.listen) this.bound.linkPort ??= recoveryPorts?.linkPort;
    if (config.nbd) this.bound.nbdPort ??= productionPorts?.nbdPort;
    this.recovery = await SiteRecoveryOperations.open({
      dataDir: config.dataDir,
      // Images are served where the operator reaches the control API, each session on a port of its own.
      host: controlHost,
      socketDir: config.imageAccess?.socketDir,
      logger: this.logger,
      groups: config.groups.map((g) => g.name),
      group: (name) => this.recoveryGroup(name, "image access (recovery points, images, test failover)").group(name),
      rpoOf: (name) => this.recoveryGroup(name, "a recovery-point estimate").rpoOf(name),
    });
    this.failover = null;
    if (this.recoverySide) {
      const side = this.recoverySide;
      const failover = new Failovers({
        site: config.site,
        host: controlHost,
        socketDir: config.imageAccess?.socketDir,
        drills: this.recovery.store,
        logger: this.logger,
        rpoOf: (name) => side.rpoOf(name),
      });
      this.failover = failover;
      for (const [name, record] of side.failoversAtStart()) {
        await failover.resume(side.failoverTarget(name), record);
        if (record.reprotectNext) this.turns.reprotectWhenReported(name);
      }
    }
    this.failovers = {
      failover: (group, request) => this.failOver(group, request),
      reprotect: (group, body) => this.turns.reprotect(group, parseReprotectRequest(body)),
      failback: (group) => this.turns.failback(group),
      cancelFailback: (group) => this.turns.cancelFailback(group),
    };
    return { ...productionPorts, ...recoveryPorts };
  }

  private async stopSides(): Promise<void> {
    await this.failover?.close();
    await this.recovery?.close();
    await this.productionSide?.stop();
    await this.recoverySide?.stop();
  }

  /** Reopens every side, after a reversal changed a group's direction here. */
  private reopen(): Promise<void> {
    this.reopening = this.reopening
      .catch(() => {})
      .then(async () => {
        await this.stopSides();
        await this.reversals.finish(Date.now() / 1000);
        await this.startSides();
      });
    return this.reopening;
  }

  status(): SiteStatus {
    const at = Date.now() / 1000;
    const order = [...this.directions.keys()];
    const groups = [
      ...(this.productionSide?.groupStatus(at) ?? []),
      ...(this.recoverySide?.groupStatus(
        at,
        (name) => this.recovery?.status(name),
        (name) => this.failover?.status(name),
      ) ?? []),
    ]
      .map((g) => {
        const reprotect = this.turns.reprotectStatus(g.name);
        const failback = this.turns.failbackStatus(g.name);
        return { ...g, ...(reprotect && { reprotect }), ...(failback && { failback }) };
      })
      .sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    const links = [
      this.productionSide?.linkStatus(),
      this.recoverySide?.hasGroups ? this.recoverySide.linkStatus() : undefined,
    ].filter((l) => l !== undefined);
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
    this.refuseFailedOver(group, "a bookmark");
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

  private failOver(group: string, request: FailoverRequest): Promise<FailoverView> {
    const side = this.recoveryGroup(group, "a failover");
    const imageAccessOn = this.recovery?.status(group).imageAccess.mode !== "off";
    return this.failover!.failover(side.failoverTarget(group), request, imageAccessOn);
  }

  private directionOf(group: string): Direction {
    const d = this.directions.get(group);
    if (!d) throw new ApiError(404, `no group "${group}" on this site`);
    return d;
  }

  /**
   * Refuses every operation on a group failing or failed over to this site: it is no longer fed by
   * the link, and until it is reprotected it only serves its volumes.
   */
  private refuseFailedOver(group: string, what: string): void {
    const fencedTo = this.productionSide?.fencedTo(group);
    if (fencedTo)
      throw new ApiError(
        409,
        `group "${group}" failed over to site ${fencedTo} and is fenced here: ${what} is not possible until it is reprotected`,
      );
    const phase = this.failover?.phase(group);
    if (phase)
      throw new ApiError(
        409,
        `group "${group}" ${phase === "promoting" ? "is failing over" : "failed over"} to site ${this.config.site}: ${what} is not possible until it is reprotected`,
      );
  }

  /** The side of a group that is production here; `what` says what was asked, for the refusal. */
  private productionGroup(group: string, what: string): ProductionSide {
    this.refuseFailedOver(group, what);
    if (this.directionOf(group) !== "production" || !this.productionSide)
      throw new ApiError(
        409,
        `group "${group}" is a recovery group on site ${this.config.site}: ${what} is done at its production site`,
      );
    return this.productionSide;
  }

  private recoveryGroup(group: string, what: string): RecoverySide {
    this.refuseFailedOver(group, what);
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
