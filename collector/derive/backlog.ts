/**
 * Backlog figures: where it sits (domain.md §9.1) and whether it drains in time (§4.7).
 */
import { BACKLOG_LOCATIONS, type BacklogLocation } from "../../model/entities.ts";
import type { DrainForecast } from "../snapshot.ts";

export function totalBacklog(backlog: Readonly<Record<BacklogLocation, number>>): number {
  return backlog.production + backlog.in_flight + backlog.recovery;
}

/**
 * The bottleneck is the location holding the largest share of the backlog (a strict majority
 * whenever one location has one): production → source side, in_flight → WAN, recovery → target
 * site. Ties go to the location further down the path, since data there has already passed the
 * earlier stages. `none` when there is no backlog.
 */
export function bottleneck(backlog: Readonly<Record<BacklogLocation, number>>): BacklogLocation | "none" {
  let best: BacklogLocation | "none" = "none";
  let bestBytes = 0;
  for (const location of BACKLOG_LOCATIONS) {
    if (backlog[location] > 0 && backlog[location] >= bestBytes) {
      best = location;
      bestBytes = backlog[location];
    }
  }
  return best;
}

export interface DrainInput {
  backlogBytes: number;
  /** d(backlog)/dt over the rate window, bytes per second. */
  backlogSlope: number;
  changeRateBytesPerSecond: number;
  rpoSeconds: number;
  rpoTargetSeconds: number;
}

/**
 * Drain rate = change rate − d(backlog)/dt; the net drain (drain − change) is −d(backlog)/dt, and
 * the backlog is gone after backlog / net drain. Without a shrinking backlog there is no ETA
 * (+Inf, invalid) and, if data is at risk, the RPO is at risk. With an RPO of 0 nothing is at risk:
 * what backlog remains is durable at the recovery site already (undistributed) or being
 * acknowledged, so an idle healthy group is never flagged, however its backlog wobbles.
 */
export function drainForecast(input: DrainInput): DrainForecast {
  const drainRateBytesPerSecond = Math.max(0, input.changeRateBytesPerSecond - input.backlogSlope);
  const netDrain = drainRateBytesPerSecond - input.changeRateBytesPerSecond;
  if (input.backlogBytes <= 0) {
    return { drainRateBytesPerSecond, etaSeconds: 0, etaValid: true, rpoAtRisk: false };
  }
  if (netDrain <= 0) {
    return {
      drainRateBytesPerSecond,
      etaSeconds: Number.POSITIVE_INFINITY,
      etaValid: false,
      rpoAtRisk: input.rpoSeconds > 0,
    };
  }
  const etaSeconds = input.backlogBytes / netDrain;
  return {
    drainRateBytesPerSecond,
    etaSeconds,
    etaValid: true,
    rpoAtRisk: input.rpoSeconds + etaSeconds > input.rpoTargetSeconds,
  };
}
