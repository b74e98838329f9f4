/**
 * Downsampling tiers: raw samples, then 1-minute and 1-hour buckets that keep min, max, sum,
 * count and last of their samples, so a bucket's mean is exact and its peak survives. Each tier
 * keeps its own retention. Defaults: raw 7 days, 1 minute 90 days, 1 hour 2 years.
 */

export type TierName = "raw" | "minute" | "hour";

export interface TierRetention {
  /** Seconds each tier keeps its points. */
  raw: number;
  minute: number;
  hour: number;
}

const DAY = 86_400;
export const DEFAULT_RETENTION: TierRetention = { raw: 7 * DAY, minute: 90 * DAY, hour: 730 * DAY };

/**
 * Who fills the InfluxDB store's downsampled tiers: InfluxDB's continuous queries (`server`, 1.x
 * only), or the store's own upkeep (`client`, any v1-compatible API).
 */
export const TIER_MODES = ["server", "client"] as const;
export type TierMode = (typeof TIER_MODES)[number];

/** Bucket width of each downsampled tier, in seconds. */
export const TIER_WIDTH = { minute: 60, hour: 3600 } as const;

/**
 * The tiers that can answer a query at `stepSeconds`: a downsampled tier only when the step is a
 * whole number of its buckets (a 90 s step cannot be built from 1-minute buckets).
 */
export function tiersForStep(stepSeconds: number): { minute: boolean; hour: boolean } {
  return { minute: stepSeconds % TIER_WIDTH.minute === 0, hour: stepSeconds % TIER_WIDTH.hour === 0 };
}
