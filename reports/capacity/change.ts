/**
 * Change per volume, rolled up to group, site and tenant: the volume written-bytes counter's
 * increase per minute gives the rate figures (average over the measured span, p95 and peak of the
 * per-minute rates) and the change per day; compressed change applies the site's measured link
 * compression ratio (the catalogue counts compressed bytes per link, not per volume).
 */
import type { ChangeRow, Level } from "../capacity-report.ts";
import { type Frame, SLOTS_PER_DAY } from "../frame.ts";
import type { HistoryGrids } from "../history-grids.ts";
import { SLOT_SECONDS } from "../minute-grid.ts";
import { bucketSums, increments, maximum, minuteRates, percentile, sumRows } from "../statistics.ts";

export const PERCENTILE = 0.95;

/** The measured change of one entity, kept for the sizing and forecast sections. */
export interface ChangeSeries {
  row: ChangeRow;
  /** Increase per slot (NaN: unknown). */
  increments: Float64Array;
  /** Per-minute rate where two consecutive minutes were measured. */
  rates: Float64Array;
  /** Seconds between the first and the last sample: what the average is taken over. */
  spanSeconds: number;
}

export function changeSeries(
  frame: Frame,
  grids: HistoryGrids,
  compressionBySite: ReadonlyMap<string, number>,
): ChangeSeries[] {
  const volumes = grids.volumeWritten.rows().map((r) => {
    const inc = increments(r.values);
    const labels = { tenant: r.labels.tenant, site: r.labels.site, group: r.labels.group, volume: r.labels.volume };
    return { labels, inc, rates: minuteRates(r.values, inc, SLOT_SECONDS), span: spanSeconds(r.values) };
  });
  const out: ChangeSeries[] = [];
  const levels: [Level, readonly VolumeLabel[]][] = [
    ["tenant", ["tenant"]],
    ["site", ["tenant", "site"]],
    ["group", ["tenant", "site", "group"]],
    ["volume", ["tenant", "site", "group", "volume"]],
  ];
  for (const [level, keys] of levels) {
    const members = new Map<string, typeof volumes>();
    for (const v of volumes) {
      const key = JSON.stringify(keys.map((k) => v.labels[k]));
      const list = members.get(key);
      if (list) list.push(v);
      else members.set(key, [v]);
    }
    for (const group of [...members.values()].sort((a, b) => order(a[0]!.labels, b[0]!.labels, keys))) {
      const first = group[0]!;
      const sum = (pick: (v: (typeof volumes)[number]) => Float64Array) =>
        group.length === 1 ? pick(first) : sumRows(group.map(pick), frame.slots);
      const inc = sum((v) => v.inc);
      const rates = sum((v) => v.rates);
      const span = Math.max(...group.map((v) => v.span));
      const ratio = compressionBySite.get(siteKey(first.labels.tenant, first.labels.site));
      out.push({
        row: changeRow(level, keys, first.labels, inc, rates, span, level === "tenant" ? undefined : ratio),
        increments: inc,
        rates,
        spanSeconds: span,
      });
    }
  }
  return out;
}

export function siteKey(tenant: string, site: string): string {
  return JSON.stringify([tenant, site]);
}

type VolumeLabel = "tenant" | "site" | "group" | "volume";

function changeRow(
  level: Level,
  keys: readonly VolumeLabel[],
  labels: Readonly<Record<VolumeLabel, string>>,
  inc: Float64Array,
  rates: Float64Array,
  span: number,
  ratio: number | undefined,
): ChangeRow {
  const dailyBytes = bucketSums(inc, SLOTS_PER_DAY);
  const measuredDays = dailyBytes.filter((d): d is number => d !== null);
  const totalBytes = measuredDays.length ? measuredDays.reduce((a, b) => a + b, 0) : null;
  const averageDailyBytes = totalBytes !== null && span > 0 ? (totalBytes / span) * 86400 : null;
  return {
    level,
    tenant: labels.tenant,
    site: keys.includes("site") ? labels.site : null,
    group: keys.includes("group") ? labels.group : null,
    volume: keys.includes("volume") ? labels.volume : null,
    averageBytesPerSecond: totalBytes !== null && span > 0 ? totalBytes / span : null,
    p95BytesPerSecond: percentile(rates, PERCENTILE),
    peakBytesPerSecond: maximum(rates),
    dailyBytes,
    totalBytes,
    averageDailyBytes,
    compressedTotalBytes: ratio !== undefined && totalBytes !== null ? totalBytes / ratio : null,
    compressedAverageDailyBytes: ratio !== undefined && averageDailyBytes !== null ? averageDailyBytes / ratio : null,
    compressionRatio: ratio ?? null,
  };
}

function spanSeconds(values: Float64Array): number {
  let first = -1;
  let lastSlot = -1;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    if (first < 0) first = i;
    lastSlot = i;
  }
  return first < 0 ? 0 : (lastSlot - first) * SLOT_SECONDS;
}

function order(
  a: Readonly<Record<VolumeLabel, string>>,
  b: Readonly<Record<VolumeLabel, string>>,
  keys: readonly VolumeLabel[],
): number {
  for (const k of keys) {
    const c = a[k].localeCompare(b[k]);
    if (c !== 0) return c;
  }
  return 0;
}
