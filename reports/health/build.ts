/**
 * The daily health report: the capacity report's machinery over one day (the same grids, change,
 * RPO and protection figures), arranged as the seeds' InMage health report, with the day's events:
 * resyncs, bitmap episodes, link and source outages, journal warnings.
 */
import type { HistoryReader } from "../../history/store.ts";
import { NoHistoryError } from "../capacity/build.ts";
import { changeSeries } from "../capacity/change.ts";
import { compressionBySite, linkSeries } from "../capacity/links.ts";
import { protectionRows } from "../capacity/protection.ts";
import { rpoRows } from "../capacity/rpo.ts";
import { coverage, isEmpty } from "../coverage.ts";
import { duration, percent } from "../format.ts";
import { Frame } from "../frame.ts";
import type { HealthReport, HealthRow } from "../health-report.ts";
import { type HistoryGrids, readGrids } from "../history-grids.ts";
import type { Period } from "../period.ts";
import { increments, runs } from "../statistics.ts";

/** Journal use at or above this is a warning, as the cache alerts warn at 80% [inference]. */
export const JOURNAL_USE_WARNING = 0.8;

export async function readHealthReport(
  reader: HistoryReader,
  period: Period,
  options: { tenant?: string; generatedAt: number },
): Promise<HealthReport> {
  return healthReport(period, await readGrids(reader, period, options.tenant), options);
}

export function healthReport(
  period: Period,
  grids: HistoryGrids,
  options: { tenant?: string; generatedAt: number },
): HealthReport {
  if (isEmpty(grids)) {
    const whose = options.tenant === undefined ? "" : ` for tenant "${options.tenant}"`;
    throw new NoHistoryError(`history holds no samples${whose} on ${period.label}: nothing to report`);
  }
  const frame = new Frame(period);
  const links = linkSeries(frame, grids);
  const change = changeSeries(frame, grids, compressionBySite(links));
  const protection = protectionRows(frame, grids);
  const groups: HealthRow[] = rpoRows(frame, grids).map((rpo) => {
    const key = { tenant: rpo.tenant, site: rpo.site, group: rpo.group };
    const c = change.find(
      (s) =>
        s.row.level === "group" && s.row.tenant === rpo.tenant && s.row.site === rpo.site && s.row.group === rpo.group,
    )?.row;
    const p = protection.find((s) => s.tenant === rpo.tenant && s.site === rpo.site && s.group === rpo.group);
    const trimmed = grids.journalTrimmedForSpace.row(key);
    const events = (grid: HistoryGrids["groupBitmap"]) =>
      runs(grid.row(key)?.values ?? [], (v) => v >= 1).map((r) => frame.interval(r));
    return {
      ...key,
      changeBytes: c?.totalBytes ?? null,
      compressedChangeBytes: c?.compressedTotalBytes ?? null,
      requiredWindowSeconds: p?.requiredWindowSeconds ?? null,
      availableWindowSeconds: p?.achievedMinSeconds ?? null,
      rpoTargetSeconds: rpo.targetSeconds,
      rpoMaxSeconds: rpo.maxSeconds,
      hoursRpoNotMet: rpo.minutesBeyondTarget / 60,
      rpoCompliance: rpo.compliance,
      flowControlledHours: null,
      retentionLogReset: trimmed ? increments(trimmed.values).some((v) => v > 0) : null,
      resyncs: events(grids.groupResyncing),
      bitmapEpisodes: events(grids.groupBitmap),
      journalWarnings: p ? journalWarnings(p) : [],
    };
  });
  return {
    kind: "health",
    schemaVersion: 1,
    day: period.label,
    tenant: options.tenant ?? null,
    from: new Date(period.from * 1000).toISOString(),
    to: new Date(period.to * 1000).toISOString(),
    generatedAt: new Date(options.generatedAt * 1000).toISOString(),
    coverage: coverage(frame, grids),
    groups,
    linkOutages: links.map(({ row }) => ({ tenant: row.tenant, site: row.site, link: row.link, outages: row.outages })),
    sourceOutages: grids.sourceUp.rows().map((r) => ({
      source: r.labels.source,
      outages: runs(r.values, (v) => v < 1).map((run) => frame.interval(run)),
    })),
  };
}

/** The seeds' reading: available below policy means an undersized journal (L5437). */
function journalWarnings(p: ReturnType<typeof protectionRows>[number]): string[] {
  const warnings: string[] = [];
  if (p.minutesShortOfWindow && p.requiredWindowSeconds !== null) {
    warnings.push(
      `held less than the required ${duration(p.requiredWindowSeconds)} for ${p.minutesShortOfWindow} min (at worst ${duration(p.achievedMinSeconds)})`,
    );
  }
  if (p.journalPeakUtilization !== null && p.journalPeakUtilization >= JOURNAL_USE_WARNING) {
    warnings.push(`peak use ${percent(p.journalPeakUtilization)}`);
  }
  return warnings;
}
