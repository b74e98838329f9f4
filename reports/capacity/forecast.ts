/**
 * Growth and forecast at the month's growth rate [inference]: a least-squares line through the
 * daily change (per group) and the daily wire bytes (per link). A journal stops holding its window
 * on the day the EMC journal for the fitted change rate exceeds its capacity; a link saturates on
 * the day its p95 utilization, scaled by the fitted growth, reaches 1.
 */
import type { JournalForecast, JournalSizingRow, LinkForecast } from "../capacity-report.ts";
import type { Frame } from "../frame.ts";
import { isoDay } from "../period.ts";
import { linearTrend, type Trend } from "../statistics.ts";
import type { ChangeSeries } from "./change.ts";
import type { LinkSeries } from "./links.ts";
import type { SizingAssumptions } from "./sizing-rows.ts";

/** Fewer measured days than this give no trend. */
export const MIN_TREND_DAYS = 7;

export function journalForecasts(
  frame: Frame,
  change: readonly ChangeSeries[],
  sizing: readonly JournalSizingRow[],
  assumptions: SizingAssumptions,
): JournalForecast[] {
  return sizing.flatMap((s) => {
    const series = change.find(
      (c) => c.row.level === "group" && c.row.tenant === s.tenant && c.row.site === s.site && c.row.group === s.group,
    );
    const trend = series ? linearTrend(completeDays(series.row.dailyBytes), MIN_TREND_DAYS) : null;
    if (!trend || s.journalCapacityBytes === null) return [];
    // The daily change at which 1.05 × R × T / (1 − f) fills the capacity.
    const limitDaily =
      ((s.journalCapacityBytes * (1 - assumptions.imageAccessShare)) / (1.05 * s.requiredWindowSeconds)) * 86400;
    return [
      {
        tenant: s.tenant,
        site: s.site,
        group: s.group,
        dailyChangeSlopeBytes: trend.slope,
        growthPerMonth: monthlyGrowth(trend, frame),
        ...crossing(frame, trend, limitDaily, s.recommendedJournalBytes > s.journalCapacityBytes),
      },
    ];
  });
}

export function linkForecasts(frame: Frame, links: readonly LinkSeries[]): LinkForecast[] {
  return links.flatMap(({ row }) => {
    const trend = linearTrend(completeDays(row.dailyWireBytes), MIN_TREND_DAYS);
    if (!trend || row.utilizationP95 === null || row.utilizationP95 <= 0) return [];
    // p95 × fitted(t) / fitted(mean day) = 1.
    const limitDaily = (trend.intercept + trend.slope * trend.meanX) / row.utilizationP95;
    return [
      {
        tenant: row.tenant,
        site: row.site,
        link: row.link,
        dailyWireSlopeBytes: trend.slope,
        growthPerMonth: monthlyGrowth(trend, frame),
        ...crossing(frame, trend, limitDaily, row.utilizationP95 >= 1),
      },
    ];
  });
}

/** The first and the last day of a period are usually partial: they do not set the trend. */
function completeDays(daily: readonly (number | null)[]): (number | null)[] {
  return daily.map((d, i) => (i === 0 || i === daily.length - 1 ? null : d));
}

/** Growth over the month relative to its fitted mean level; null when nothing changed. */
function monthlyGrowth(trend: Trend, frame: Frame): number | null {
  const level = trend.intercept + trend.slope * trend.meanX;
  return level > 0 ? (trend.slope * frame.days.length) / level : null;
}

function crossing(
  frame: Frame,
  trend: Trend,
  limitDaily: number,
  shortNow: boolean,
): Pick<JournalForecast, "status" | "date"> {
  if (shortNow) return { status: "short-now", date: null };
  if (trend.slope <= 0) return { status: "holds", date: null };
  const day = (limitDaily - trend.intercept) / trend.slope;
  return { status: "date", date: isoDay(frame.period.from + Math.max(day, frame.days.length) * 86400) };
}
