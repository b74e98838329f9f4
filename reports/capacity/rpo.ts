/**
 * RPO per group from the per-minute maximum of the group's RPO: maximum, p95, minutes beyond
 * target, compliance (measured minutes within target) and the worst incidents (runs of minutes
 * beyond target, longest first).
 */
import { DEFAULT_RPO_TARGET_SECONDS } from "../../model/entities.ts";
import type { RpoRow } from "../capacity-report.ts";
import { type Frame, SLOTS_PER_DAY } from "../frame.ts";
import type { HistoryGrids } from "../history-grids.ts";
import { countWhere, last, maximum, percentile, runs } from "../statistics.ts";

function bucketMaxima(values: Float64Array, width: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let start = 0; start < values.length; start += width) out.push(maximum(values.subarray(start, start + width)));
  return out;
}

import { PERCENTILE } from "./change.ts";

export const WORST_INCIDENTS = 5;

export function rpoRows(frame: Frame, grids: HistoryGrids): RpoRow[] {
  return grids.groupRpo
    .rows()
    .sort((a, b) => JSON.stringify(Object.values(a.labels)).localeCompare(JSON.stringify(Object.values(b.labels))))
    .map(({ labels, values }) => {
      const targetRow = grids.groupRpoTarget.row(labels);
      const recorded = targetRow ? last(targetRow.values) : null;
      const target = recorded ?? DEFAULT_RPO_TARGET_SECONDS;
      const measured = countWhere(values, () => true);
      const beyond = countWhere(values, (v) => v > target);
      const incidents = runs(values, (v) => v > target)
        .map((run) => ({ ...frame.interval(run), peakRpoSeconds: maximum(values.subarray(run.start, run.end)) ?? 0 }))
        .sort((a, b) => b.minutes - a.minutes || b.peakRpoSeconds - a.peakRpoSeconds)
        .slice(0, WORST_INCIDENTS);
      return {
        tenant: labels.tenant,
        site: labels.site,
        group: labels.group,
        targetSeconds: target,
        targetAssumed: recorded === null,
        measuredMinutes: measured,
        maxSeconds: maximum(values),
        p95Seconds: percentile(values, PERCENTILE),
        minutesBeyondTarget: beyond,
        dailyMaxSeconds: bucketMaxima(values, SLOTS_PER_DAY),
        compliance: measured > 0 ? (measured - beyond) / measured : null,
        worstIncidents: incidents,
      };
    });
}
