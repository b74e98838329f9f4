/**
 * WAN links: bytes on the wire per day and month from the wire-bytes counter, compression from
 * raw ÷ wire, utilization against the effective limit (p95 and peak of the per-minute figures),
 * minutes at the limit and link outages (minutes the link was down).
 */
import type { LinkRow } from "../capacity-report.ts";
import { type Frame, SLOTS_PER_DAY } from "../frame.ts";
import type { HistoryGrids } from "../history-grids.ts";
import { SLOT_SECONDS } from "../minute-grid.ts";
import { bucketSums, countWhere, increments, last, maximum, minuteRates, percentile, runs } from "../statistics.ts";
import { PERCENTILE, siteKey } from "./change.ts";

/** A minute counts as "at the limit" at this mean utilization or more [inference]. */
export const AT_LIMIT_UTILIZATION = 0.95;

export interface LinkSeries {
  row: LinkRow;
  wireIncrements: Float64Array;
  rawIncrements: Float64Array | null;
}

export function linkSeries(frame: Frame, grids: HistoryGrids): LinkSeries[] {
  return grids.linkWire
    .rows()
    .sort((a, b) => JSON.stringify(Object.values(a.labels)).localeCompare(JSON.stringify(Object.values(b.labels))))
    .map((wire) => {
      const { tenant, site, link } = wire.labels;
      const rawRow = grids.linkRaw.row(wire.labels);
      const wireInc = increments(wire.values);
      const rawInc = rawRow ? increments(rawRow.values) : null;
      const wireBytes = total(wireInc);
      const rawBytes = rawInc ? total(rawInc) : null;
      const limitRow = grids.linkLimit.row(wire.labels);
      const lastLimit = limitRow ? last(limitRow.values) : null;
      const limited = lastLimit !== null && lastLimit > 0;
      const utilization = grids.linkUtilization.row(wire.labels)?.values;
      const utilizationPeak = grids.linkUtilizationPeak.row(wire.labels)?.values;
      const throughput = minuteRates(wire.values, wireInc, SLOT_SECONDS);
      const up = grids.linkUp.row(wire.labels)?.values;
      const row: LinkRow = {
        tenant,
        site,
        link,
        dailyWireBytes: bucketSums(wireInc, SLOTS_PER_DAY),
        wireBytes,
        rawBytes,
        compressionRatio: wireBytes && rawBytes !== null ? rawBytes / wireBytes : null,
        limitBytesPerSecond: limited ? lastLimit : null,
        throughputP95BytesPerSecond: percentile(throughput, PERCENTILE),
        throughputPeakBytesPerSecond: maximum(throughput),
        utilizationP95: limited && utilization ? percentile(utilization, PERCENTILE) : null,
        utilizationPeak: limited && utilizationPeak ? maximum(utilizationPeak) : null,
        hoursAtLimit: limited && utilization ? countWhere(utilization, (u) => u >= AT_LIMIT_UTILIZATION) / 60 : null,
        outages: up ? runs(up, (v) => v < 1).map((r) => frame.interval(r)) : [],
      };
      return { row, wireIncrements: wireInc, rawIncrements: rawInc };
    });
}

/** Raw ÷ wire bytes over the month for each site with link counters (key: siteKey). */
export function compressionBySite(links: readonly LinkSeries[]): Map<string, number> {
  const sums = new Map<string, { raw: number; wire: number }>();
  for (const { row } of links) {
    if (row.rawBytes === null || row.wireBytes === null) continue;
    const key = siteKey(row.tenant, row.site);
    const s = sums.get(key) ?? { raw: 0, wire: 0 };
    sums.set(key, { raw: s.raw + row.rawBytes, wire: s.wire + row.wireBytes });
  }
  return new Map([...sums].filter(([, s]) => s.wire > 0).map(([k, s]) => [k, s.raw / s.wire]));
}

function total(inc: Float64Array): number | null {
  let sum: number | null = null;
  for (const v of inc) if (!Number.isNaN(v)) sum = (sum ?? 0) + v;
  return sum;
}
