/**
 * The history contract. A sample is one catalogue metric's value at one instant, with the
 * metric's labels (the InfluxDB schema generated from the catalogue, dashboards/influx-schema.ts,
 * is the same shape: one measurement per metric, its labels as tags). Writers append samples;
 * readers answer range queries at a step, aggregated per step, so that the embedded store,
 * InfluxDB and a Prometheus-compatible query API can all answer the reports alike.
 */

export interface HistorySample {
  /** Catalogue metric name, e.g. `rpowatch_group_rpo_seconds`. */
  metric: string;
  labels: Readonly<Record<string, string>>;
  value: number;
  /** Unix seconds. */
  timestamp: number;
}

/** How the samples inside one step are folded into one value; downsampled tiers keep all four. */
export const AGGREGATES = ["min", "mean", "max", "last"] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export interface RangeQuery {
  metric: string;
  /** Label equality matchers; a series is returned when every one matches. */
  match?: Readonly<Record<string, string>>;
  /** Inclusive start and exclusive end, Unix seconds. */
  from: number;
  to: number;
  /** Width of one step in seconds (60 for the 1-minute tier, 3600 for the hourly one). */
  stepSeconds: number;
  aggregate: Aggregate;
}

export interface Series {
  labels: Readonly<Record<string, string>>;
  /** Step start times (Unix s), ascending; a step without samples is absent, never zero. */
  timestamps: Float64Array;
  values: Float64Array;
}

export interface HistoryWriter {
  write(samples: readonly HistorySample[]): Promise<void>;
  close(): Promise<void>;
}

export interface HistoryReader {
  range(query: RangeQuery): Promise<Series[]>;
  close(): Promise<void>;
}

/**
 * Whether a store keeps this sample: only finite values. NaN (unknown) and infinities are absent
 * from history, in every store alike (InfluxDB cannot hold them).
 */
export function storable(sample: HistorySample): boolean {
  return Number.isFinite(sample.value);
}
