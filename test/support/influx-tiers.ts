/**
 * What the InfluxDB history store's tiers hold, and what they should hold: buckets keyed by series
 * and bucket time, each the min, max, sum, count and last of its samples.
 */
import type { HistorySample } from "../../history/store.ts";
import type { InfluxDBInstance } from "../services/influxdb.ts";

/** Series and bucket key → min, max, sum, count, last. */
export type Buckets = Map<string, number[]>;

/** A series' key: its metric and non-empty labels in name order. */
export const seriesKeyOf = (metric: string, labels: Readonly<Record<string, string>>) =>
  `${metric} ${JSON.stringify(
    Object.entries(labels)
      .filter(([, v]) => v !== "")
      .sort(([a], [b]) => a.localeCompare(b)),
  )}`;

/** The buckets `width` seconds wide of the samples, folded here point by point. */
export function folded(samples: readonly HistorySample[], width: number): Buckets {
  const out: Buckets = new Map();
  for (const s of [...samples].sort((a, b) => a.timestamp - b.timestamp)) {
    const key = `${seriesKeyOf(s.metric, s.labels)} ${Math.floor(s.timestamp / width) * width}`;
    const b = out.get(key);
    if (b) out.set(key, [Math.min(b[0]!, s.value), Math.max(b[1]!, s.value), b[2]! + s.value, b[3]! + 1, s.value]);
    else out.set(key, [s.value, s.value, s.value, 1, s.value]);
  }
  return out;
}

/** The buckets a tier policy of the database holds. */
export async function tierBuckets(influx: InfluxDBInstance, database: string, policy: string): Promise<Buckets> {
  const [result] = await influx.query(
    `SELECT "min", "max", "sum", "count", "last" FROM "${database}"."${policy}"./^rpowatch_/ GROUP BY *`,
  );
  const out: Buckets = new Map();
  for (const s of result!.series ?? []) {
    for (const [time, ...values] of s.values) {
      out.set(`${seriesKeyOf(s.name, s.tags ?? {})} ${Date.parse(time as string) / 1000}`, values as number[]);
    }
  }
  return out;
}
