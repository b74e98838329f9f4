/**
 * Sizing recomputed from the month's measurements: per group, the EMC journal and the InMage
 * retention storage for the required window at the measured average change rate; per site, the
 * InMage Analyzer's bandwidth for RPO ≈ 0 (average and busiest hour, raw and compressed) against
 * the links' limits.
 */
import type { BandwidthFigure, BandwidthSizingRow, JournalSizingRow, ProtectionRow } from "../capacity-report.ts";
import { SLOTS_PER_HOUR } from "../frame.ts";
import {
  ANALYZER_MB,
  analyzerBandwidth,
  bytesPerSecondToKbit,
  emcJournalSize,
  inmageRetentionSize,
} from "../sizing.ts";
import { fullBucketMeans } from "../statistics.ts";
import type { ChangeSeries } from "./change.ts";
import type { LinkSeries } from "./links.ts";

export interface SizingAssumptions {
  imageAccessShare: number;
  bandwidthAdjustmentFactor: number;
}

export function journalSizingRows(
  change: readonly ChangeSeries[],
  protection: readonly ProtectionRow[],
  assumptions: SizingAssumptions,
): JournalSizingRow[] {
  return protection.flatMap((p) => {
    const rate = change.find(
      (c) => c.row.level === "group" && c.row.tenant === p.tenant && c.row.site === p.site && c.row.group === p.group,
    )?.row.averageBytesPerSecond;
    if (rate == null || p.requiredWindowSeconds === null) return [];
    const journal = emcJournalSize({
      changeRateBytesPerSecond: rate,
      requiredWindowSeconds: p.requiredWindowSeconds,
      imageAccessShare: assumptions.imageAccessShare,
    });
    return [
      {
        tenant: p.tenant,
        site: p.site,
        group: p.group,
        changeRateBytesPerSecond: rate,
        requiredWindowSeconds: p.requiredWindowSeconds,
        recommendedJournalBytes: journal.bytes,
        floorApplied: journal.floorApplied,
        journalCapacityBytes: p.journalCapacityBytes,
        retentionStorageBytes: inmageRetentionSize(rate * 86400, p.requiredWindowSeconds / 3600),
      },
    ];
  });
}

export function bandwidthSizingRows(
  change: readonly ChangeSeries[],
  links: readonly LinkSeries[],
  assumptions: SizingAssumptions,
): BandwidthSizingRow[] {
  return change
    .filter((c) => c.row.level === "site")
    .map(({ row, siteRates: rates }) => {
      const siteLinks = links.filter((l) => l.row.tenant === row.tenant && l.row.site === row.site);
      const limits = siteLinks.map((l) => l.row.limitBytesPerSecond);
      const available =
        limits.length > 0 && limits.every((l) => l !== null)
          ? bytesPerSecondToKbit(limits.reduce<number>((a, b) => a + (b ?? 0), 0))
          : null;
      // The busiest hour measured minute by minute (the Analyzer's peak window is not shown, domain.md §4.4).
      const hourly = rates ? fullBucketMeans(rates, SLOTS_PER_HOUR) : [];
      const peak = hourly.length ? Math.max(...hourly) : null;
      const ratio = row.compressionRatio;
      const figure = (bytesPerSecond: number | null): BandwidthFigure | null => {
        if (bytesPerSecond === null) return null;
        const required = analyzerBandwidth(bytesPerSecond / ANALYZER_MB, assumptions.bandwidthAdjustmentFactor);
        return {
          bytesPerSecond,
          requiredKbitPerSecond: required,
          achievable: available === null ? null : required <= available,
        };
      };
      const average = row.averageBytesPerSecond;
      return {
        tenant: row.tenant,
        site: row.site ?? "",
        availableKbitPerSecond: available,
        averageRaw: figure(average),
        averageCompressed: figure(average !== null && ratio !== null ? average / ratio : null),
        peakRaw: figure(peak),
        peakCompressed: figure(peak !== null && ratio !== null ? peak / ratio : null),
      };
    });
}
