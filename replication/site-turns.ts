/**
 * The operations that turn a group's direction between two sites (docs/recovery.md): reprotect at
 * the site a group failed over to, the old production site taking the group as a recovery group
 * when the new one connects, failback from a reprotected group's production site, and the
 * recovery site's half of it. Each decides and records a reversal (replication/reprotect), then
 * has the site reopen its sides; the site (site.ts) gives this what it needs through TurnSite.
 */
import type { Logger } from "../lib/log.ts";
import type { Direction } from "./config.ts";
import { ApiError } from "./control/site-control.ts";
import type { FailoverRequest, Failovers, FailoverView } from "./failover/failover.ts";
import { LinkLost } from "./link/shipper.ts";
import type { ProductionSide } from "./production-side.ts";
import type { RecoverySide } from "./recovery-side.ts";
import { FailbackDrain } from "./reprotect/failback-drain.ts";
import { planReprotect, ReprotectError, type ReprotectRequest } from "./reprotect/reprotect.ts";
import type { Reversals } from "./reprotect/reversals.ts";
import type { GroupFailbackStatus, GroupReprotectStatus } from "./status.ts";

/** How long a failback's drain may go without shipping a byte before it fails (the writes stay refused). */
const FAILBACK_STALL_MS = 120_000;

/** What turning a group needs of its site. */
export interface TurnSite {
  readonly name: string;
  readonly logger: Logger;
  readonly reversals: Reversals;
  readonly directions: ReadonlyMap<string, Direction>;
  readonly productionSide: ProductionSide | null;
  readonly recoverySide: RecoverySide | null;
  readonly failover: Failovers | null;
  /** The group's direction here; 404 for an unknown group. */
  directionOf(group: string): Direction;
  /** 409 while the group is failed over (to or from here). */
  refuseFailedOver(group: string, what: string): void;
  failOver(group: string, request: FailoverRequest): Promise<FailoverView>;
  /** Closes and reopens every side, the groups in their directions now. */
  reopen(): Promise<void>;
}

export class SiteTurns {
  private readonly reprotecting = new Set<string>();
  /** Failbacks asked since this site started (the one of a group that failed is kept for its status). */
  private readonly failbacks = new Map<string, FailbackDrain>();
  /** Failbacks being started (their writes being refused), so a second request at once is refused. */
  private readonly freezing = new Set<string>();

  constructor(private readonly site: TurnSite) {}

  /**
   * Reprotect, at the site the group failed over to (replication/reprotect): checks and plans it
   * with the promoted volumes still served (a refusal changes nothing), stops serving them so no
   * write escapes the plan, plans again from the final maps, records the reversal and reopens the
   * sides: the group is production here, seeded with the extents to send.
   */
  async reprotect(group: string, request: ReprotectRequest): Promise<GroupReprotectStatus> {
    const direction = this.site.directionOf(group);
    const reversal = this.site.reversals.get(group);
    if (this.reprotecting.has(group) || reversal?.phase === "retiring" || reversal?.phase === "resyncing")
      throw new ApiError(409, `group "${group}" is already being reprotected from site ${this.site.name}`);
    const fencedTo = this.site.productionSide?.fencedTo(group);
    if (fencedTo)
      throw new ApiError(
        409,
        `group "${group}" failed over to site ${fencedTo}: reprotect is asked of that site (rpowatch recover reprotect --group ${group} --site <its control API>)`,
      );
    const failover = this.site.failover?.record(group);
    if (direction !== "recovery" || !this.site.recoverySide || !failover)
      throw new ApiError(
        409,
        `group "${group}" has not failed over to site ${this.site.name}: reprotect follows a failover and is asked of the site the group failed over to`,
      );
    const side = this.site.recoverySide;
    const now = () => Date.now() / 1000;
    this.reprotecting.add(group);
    try {
      planReprotect(side.reprotectSource(group, failover), request, now());
      await this.site.failover!.unserve(group);
      let plan: ReturnType<typeof planReprotect>;
      try {
        plan = planReprotect(side.reprotectSource(group, failover), request, now());
      } catch (err) {
        await this.site.failover!.reserve(side.failoverTarget(group));
        throw err;
      }
      await this.site.reversals.decide(group, plan);
      await this.site.reopen();
      return this.reprotectStatus(group)!;
    } catch (err) {
      if (err instanceof ReprotectError) throw new ApiError(err.status, err.message);
      throw err;
    } finally {
      this.reprotecting.delete(group);
    }
  }

  /**
   * At the old production site: the site a fenced group failed over to connects to ship it (it was
   * reprotected there). Each group must be production here and fenced to that site; the reversal is
   * recorded and the sides reopen with the groups as recovery groups, fed by that site.
   */
  async reverseHere(peerSite: string, groups: string[]): Promise<boolean> {
    const ours = groups.every(
      (g) => this.site.directions.get(g) === "production" && this.site.productionSide?.fencedTo(g) === peerSite,
    );
    if (!ours) return false;
    for (const g of groups)
      await this.site.reversals.decide(g, {
        direction: "recovery",
        peerSite,
        phase: "retiring",
        startedAt: Date.now() / 1000,
      });
    // After the refusal is on its way: reopening closes the link listener this call came through.
    setImmediate(() => {
      this.site
        .reopen()
        .catch((err: Error) => this.site.logger.error({ err: err.message }, "reprotect: reopening the sides failed"));
    });
    return true;
  }

  /**
   * Planned failback, at the group's current production site after a reprotect: writes stop here,
   * everything ships, the recovery site fails the group over to itself at the newest point (nothing
   * to roll back) and reprotects it, sending only what was written there since; this site then
   * takes the group as a recovery group again (its reversal towards the configured direction).
   * Answers once the writes are refused; the drain and hand-over go on in the background, with
   * progress in the group's `failback` status.
   */
  async failback(group: string): Promise<GroupFailbackStatus> {
    const direction = this.site.directionOf(group);
    this.site.refuseFailedOver(group, "a failback");
    const r = this.site.reversals.get(group);
    const side = this.site.productionSide;
    if (direction !== "production" || !side || r?.direction !== "production" || r.phase !== "protected")
      throw new ApiError(
        409,
        `group "${group}" is not reprotected to site ${this.site.name}: a failback is asked of the group's production site once a reprotect made it so and ended`,
      );
    if (this.failbacks.get(group)?.running || this.freezing.has(group))
      throw new ApiError(409, `group "${group}" is already failing back to site ${r.peerSite}`);
    this.freezing.add(group);
    try {
      await side.freezeForFailback(group, r.peerSite);
    } finally {
      this.freezing.delete(group);
    }
    const toSite = r.peerSite;
    // The side of now, at each step: a reopen of the sides (another group turning) replaces it.
    const now = () => this.site.productionSide;
    const job = new FailbackDrain(toSite, {
      group: () => now()?.openGroup(group) ?? null,
      linkUp: () => now()?.linkUp === true,
      taken: () => now()?.fencedTo(group) === toSite,
      handOver: () => now()?.handOver(group, toSite) ?? Promise.reject(new LinkLost("the sides are reopening")),
    });
    this.failbacks.set(group, job);
    job.run(FAILBACK_STALL_MS, `the failback of group "${group}"`).then(
      () => this.site.logger.info({ group, toSite }, "failback: everything shipped, handed over"),
      (err: Error) => {
        job.fail(
          `${err.message}; writes stay refused here: ask again to go on, or POST /groups/${group}/failback/cancel`,
        );
        this.site.logger.error({ group, err: err.message }, "failback stopped");
      },
    );
    return job.status();
  }

  async cancelFailback(group: string): Promise<{ group: string }> {
    this.site.directionOf(group);
    const job = this.failbacks.get(group);
    if (job?.running && job.phase === "handing-over")
      throw new ApiError(409, `group "${group}" is being handed over to site ${job.toSite} right now`);
    if (!this.site.productionSide?.frozenTo(group))
      throw new ApiError(409, `group "${group}" is not failing back from site ${this.site.name}`);
    job?.cancel();
    this.failbacks.delete(group);
    await this.site.productionSide.unfreeze(group);
    return { group };
  }

  /**
   * The group's failback at this site: the running (or failed) one, or the one a restart stopped;
   * none once the other site fenced the group here (it took it).
   */
  failbackStatus(group: string): GroupFailbackStatus | undefined {
    const side = this.site.productionSide;
    if (this.site.directions.get(group) !== "production" || !side || side.fencedTo(group)) {
      this.failbacks.delete(group);
      return undefined;
    }
    const job = this.failbacks.get(group);
    if (job) return job.status();
    const frozen = side.frozenStatus(group);
    if (!frozen) return undefined;
    return {
      phase: "stopped",
      toSite: frozen.toSite,
      startedAt: frozen.sinceTimestamp,
      bytesRemaining: frozen.undurableBytes,
      bytesShipped: 0,
      progressRatio: frozen.undurableBytes === 0 ? 1 : 0,
      etaSeconds: 0,
      error: `the site restarted during the failback; writes stay refused here: ask again to go on, or POST /groups/${group}/failback/cancel`,
    };
  }

  /** At the recovery site, asked over the link: the failover half of a failback, then its reprotect. */
  async failbackHere(group: string, fromSite: string): Promise<void> {
    await this.site.failOver(group, {
      point: { kind: "latest" },
      operator: "failback",
      note: `planned failback from ${fromSite}`,
      reprotectNext: true,
    });
    this.reprotectWhenReported(group);
  }

  /**
   * Reprotects a group failed over by a failback as soon as its old production site has reported
   * (it does once fenced, over the link); retried every second, also after a restart.
   */
  reprotectWhenReported(group: string): void {
    const attempt = () => {
      if (
        this.site.reversals.get(group)?.direction === "production" &&
        this.site.directions.get(group) === "production"
      )
        return;
      this.reprotect(group, {}).catch((err: Error) => {
        if (/has not reported|already being reprotected|is still failing over/.test(err.message))
          setTimeout(attempt, 1000).unref();
        else this.site.logger.error({ group, err: err.message }, "failback: reprotect refused");
      });
    };
    setTimeout(attempt, 200).unref();
  }

  reprotectStatus(group: string): GroupReprotectStatus | undefined {
    const r = this.site.reversals.get(group);
    if (!r) return undefined;
    if (r.direction !== "production" || this.site.directions.get(group) !== "production" || !this.site.productionSide)
      return this.site.reversals.status(group);
    return this.site.reversals.status(
      group,
      this.site.productionSide.syncOf(group).sync,
      this.site.productionSide.volumeAddresses(group),
    );
  }
}
