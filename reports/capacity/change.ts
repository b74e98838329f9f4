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
import { addInto, bucketSums, increments, maximum, minuteRates, percentile } from "../statistics.ts";

export const PERCENTILE = 0.95;

/** The measured change of one entity, kept for the sizing and forecast sections. */
export interface ChangeSeries {
  row: ChangeRow;
  /** Per-minute rates summed over the site's volumes; sites only (the bandwidth sizing's busiest hour). */
  siteRates: Float64Array | null;
}

type VolumeLabel = "tenant" | "site" | "group" | "volume";
type Labels = Readonly<Record<VolumeLabel, string>>;

const VOLUME_KEYS: readonly VolumeLabel[] = ["tenant", "site", "group", "volume"];
/** The levels volumes roll up into. */
const ROLLUPS: readonly (readonly [Level, readonly VolumeLabel[]])[] = [
  ["tenant", ["tenant"]],
  ["site", ["tenant", "site"]],
  ["group", ["tenant", "site", "group"]],
];

/** The increments and rates of an entity's volumes summed slot by slot, in the volumes' order. */
interface Sum {
  labels: Labels;
  increments: Float64Array;
  rates: Float64Array;
  span: number;
}

/**
 * One volume at a time: its own row is made and its per-minute figures are added into its group,
 * site and tenant before the next volume, so one month of per-minute figures is held per rolled-up
 * entity, never one per volume (1,000 volumes would need 700 MB more).
 */
export function changeSeries(
  frame: Frame,
  grids: HistoryGrids,
  compressionBySite: ReadonlyMap<string, number>,
): ChangeSeries[] {
  const ratioOf = (labels: Labels) => compressionBySite.get(siteKey(labels.tenant, labels.site));
  const sums = ROLLUPS.map(() => new Map<string, Sum>());
  const volumes: { labels: Labels; row: ChangeRow }[] = [];
  const volumeIncrements = new Float64Array(frame.slots);
  const volumeRates = new Float64Array(frame.slots);
  for (const r of grids.volumeWritten.rows()) {
    const labels = { tenant: r.labels.tenant, site: r.labels.site, group: r.labels.group, volume: r.labels.volume };
    // One volume's figures at a time: the same two arrays serve every volume.
    const inc = increments(r.values, volumeIncrements);
    const rates = minuteRates(r.values, inc, SLOT_SECONDS, volumeRates);
    const span = spanSeconds(r.values);
    ROLLUPS.forEach(([, keys], l) => {
      const key = JSON.stringify(keys.map((k) => labels[k]));
      let sum = sums[l]!.get(key);
      if (!sum) {
        const empty = () => new Float64Array(frame.slots).fill(Number.NaN);
        sum = { labels, increments: empty(), rates: empty(), span: 0 };
        sums[l]!.set(key, sum);
      }
      addInto(sum.increments, inc);
      addInto(sum.rates, rates);
      sum.span = Math.max(sum.span, span);
    });
    volumes.push({ labels, row: changeRow("volume", VOLUME_KEYS, labels, inc, rates, span, ratioOf(labels)) });
  }
  const out: ChangeSeries[] = [];
  ROLLUPS.forEach(([level, keys], l) => {
    for (const s of [...sums[l]!.values()].sort((a, b) => order(a.labels, b.labels, keys))) {
      const ratio = level === "tenant" ? undefined : ratioOf(s.labels);
      const row = changeRow(level, keys, s.labels, s.increments, s.rates, s.span, ratio);
      out.push({ row, siteRates: level === "site" ? s.rates : null });
    }
  });
  for (const v of volumes.sort((a, b) => order(a.labels, b.labels, VOLUME_KEYS)))
    out.push({ row: v.row, siteRates: null });
  return out;
}

export function siteKey(tenant: string, site: string): string {
  return JSON.stringify([tenant, site]);
}

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
