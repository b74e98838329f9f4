/** RPO figures (domain.md §1): group RPO is the maximum over its volumes; ratio to target. */

export function groupRpoSeconds(reported: number, volumeRpos: readonly number[]): number {
  let max = reported;
  for (const rpo of volumeRpos) if (rpo > max) max = rpo;
  return max;
}

/**
 * RPO at `now` of a figure the source observed at `observedAt`. The write that was oldest pending
 * then has aged by the time since, so a positive RPO is brought up to `now` (the engine computes
 * its own figure the same way at any instant). Nothing pending then stays 0 while the source
 * reports. Once the source is stale the data at risk is at least the last known RPO plus the time
 * since: whatever was written after the last report is unaccounted for, so the figure grows
 * instead of freezing, even from 0.
 */
export function rpoAt(rpoSeconds: number, observedAt: number, now: number, stale: boolean): number {
  return stale || rpoSeconds > 0 ? rpoSeconds + Math.max(0, now - observedAt) : 0;
}

/** RPO divided by its target; a missing (0) target makes any data at risk a violation. */
export function rpoTargetRatio(rpoSeconds: number, targetSeconds: number): number {
  if (targetSeconds > 0) return rpoSeconds / targetSeconds;
  return rpoSeconds > 0 ? Number.POSITIVE_INFINITY : 0;
}

/**
 * Newest recoverable point (source clock). Sources that report it are trusted; otherwise it is
 * the observation time minus the data-at-risk time, which is what RPO means.
 */
export function recoveryPointTimestamp(reported: number | undefined, observedAt: number, rpoSeconds: number): number {
  return reported ?? observedAt - rpoSeconds;
}

/**
 * Whether a group view's RPO is the group's RPO: the production side computes it from acknowledged
 * sequence numbers; a recovery site only bounds the age of its newest recoverable point. A source
 * that does not say which side it is reports the group's RPO.
 */
export function isGroupRpo(g: { raw: { role?: "production" | "recovery" } }): boolean {
  return g.raw.role !== "recovery";
}
