/**
 * Staleness of a source (issue #12, "never healthier than measured"): once a source stops
 * reporting, every figure that depends on it turns conservative rather than freezing at its last,
 * possibly healthy, value.
 */
import type { SourceHealth } from "../snapshot.ts";

/** Staleness of a source: age of its newest data at `now`; +Inf when it never delivered any. */
export function dataAgeSeconds(dataTimestamp: number, now: number): number {
  return dataTimestamp > 0 ? Math.max(0, now - dataTimestamp) : Number.POSITIVE_INFINITY;
}

/** A source is stale at `now` when it is down or its newest data is older than its heartbeat plus timeout. */
export function sourceStale(health: SourceHealth, now: number): boolean {
  return !health.up || dataAgeSeconds(health.dataTimestamp, now) > health.staleAfterSeconds;
}

/** Names of the sources stale at `now`. */
export function staleSources(sources: readonly SourceHealth[], now: number): ReadonlySet<string> {
  const stale = new Set<string>();
  for (const h of sources) if (sourceStale(h, now)) stale.add(h.source);
  return stale;
}
