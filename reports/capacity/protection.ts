/**
 * Protection per group: the journal's achieved window (per-minute minimum) against the required
 * one, its peak utilization, and the days the group spent any minute in bitmap mode.
 */
import type { ProtectionRow } from "../capacity-report.ts";
import type { Frame } from "../frame.ts";
import type { HistoryGrids } from "../history-grids.ts";
import type { GridRow } from "../minute-grid.ts";
import { countWhere, last, maximum, mean, minimum } from "../statistics.ts";

export function protectionRows(frame: Frame, grids: HistoryGrids): ProtectionRow[] {
  const groups = new Map<string, GridRow<"tenant" | "site" | "group">["labels"]>();
  for (const grid of [grids.groupRpo, grids.journalWindow, grids.groupBitmap]) {
    for (const r of grid.rows()) groups.set(JSON.stringify(r.labels), r.labels);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, labels]) => {
      const window = grids.journalWindow.row(labels)?.values;
      const targetRow = grids.journalWindowTarget.row(labels);
      const required = targetRow ? last(targetRow.values) : null;
      const capacity = grids.journalCapacity.row(labels);
      const utilization = grids.journalUtilization.row(labels);
      const bitmap = grids.groupBitmap.row(labels);
      return {
        tenant: labels.tenant,
        site: labels.site,
        group: labels.group,
        requiredWindowSeconds: required,
        achievedMinSeconds: window ? minimum(window) : null,
        achievedAverageSeconds: window ? mean(window) : null,
        minutesShortOfWindow: window && required !== null ? countWhere(window, (w) => w < required) : null,
        journalCapacityBytes: capacity ? last(capacity.values) : null,
        journalPeakUtilization: utilization ? maximum(utilization.values) : null,
        bitmapDays: bitmap ? frame.daysWhere(bitmap.values, (v) => v >= 1) : [],
        flowControlDays: null,
      };
    });
}
