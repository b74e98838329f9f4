/**
 * InfluxDB line protocol for the history store. A series' key (measurement and tags, escaped, in
 * key order) is built once per label object and metric and kept: the collector and the buffer
 * hand the same label objects batch after batch, and escaping every tag of every point was most
 * of the client's cost of a write.
 */
import { type Bucket, type PackedHour, packText } from "./influx-rollup.ts";
import type { HistorySample } from "./store.ts";

const escapeMeasurement = (s: string) => s.replace(/[, ]/g, "\\$&");
const escapeTag = (s: string) => s.replace(/[,= ]/g, "\\$&");
/** A string field value: quoted, with its quotes and backslashes escaped. */
export const stringField = (s: string) => `"${s.replace(/["\\]/g, "\\$&")}"`;

/** Measurement and non-empty tags (line protocol has no empty tag value; InfluxDB drops them). */
export function seriesKey(measurement: string, tags: Readonly<Record<string, string>>): string {
  let key = escapeMeasurement(measurement);
  for (const name of Object.keys(tags).sort()) {
    const value = tags[name];
    if (value) key += `,${escapeTag(name)}=${escapeTag(value)}`;
  }
  return key;
}

export class LineEncoder {
  private readonly keys = new WeakMap<object, Map<string, string>>();

  /** The sample's series key, kept per label object and metric. */
  key(s: HistorySample): string {
    let byMetric = this.keys.get(s.labels);
    if (!byMetric) {
      byMetric = new Map();
      this.keys.set(s.labels, byMetric);
    }
    let key = byMetric.get(s.metric);
    if (key === undefined) {
      key = seriesKey(s.metric, s.labels);
      byMetric.set(s.metric, key);
    }
    return key;
  }

  /** The sample's line: its value as the float field `value`, its time in milliseconds. */
  sample(s: HistorySample): string {
    return `${this.key(s)} value=${s.value} ${Math.round(s.timestamp * 1000)}`;
  }
}

/**
 * A tier bucket's line, time in seconds; `count` is an integer field, as the continuous queries'
 * count() writes it (a float would conflict with their points in the same shard).
 */
export function bucketLine(key: string, b: Bucket): string {
  return `${key} min=${b.min},max=${b.max},sum=${b.sum},count=${b.count}i,last=${b.last} ${b.time}`;
}

/**
 * A series' minute buckets of one hour (see packHours): each aggregate a string field, and how
 * many minutes hold a bucket; time in seconds.
 */
export function packedLine(key: string, p: PackedHour): string {
  return `${key} minutes=${p.minutes}i,min="${packText(p.min)}",max="${packText(p.max)}",mean="${packText(p.mean)}",last="${packText(p.last)}" ${p.time}`;
}
