/** Which minutes of the period history holds any per-minute sample for, and the gaps between them. */
import type { Interval } from "./capacity-report.ts";
import type { Frame } from "./frame.ts";
import { type GridName, type HistoryGrids, perMinute } from "./history-grids.ts";
import { runs } from "./statistics.ts";

export interface Coverage {
  minutes: number;
  coveredMinutes: number;
  gaps: Interval[];
}

export function coverage(frame: Frame, grids: HistoryGrids): Coverage {
  const covered = new Float64Array(frame.slots);
  for (const [name, grid] of Object.entries(grids) as [GridName, HistoryGrids[GridName]][]) {
    if (!perMinute(name)) continue;
    for (const row of grid.rows()) {
      for (let i = 0; i < frame.slots; i++) if (!Number.isNaN(row.values[i])) covered[i] = 1;
    }
  }
  const gaps = runs(covered, (v) => v === 0).map((r) => frame.interval(r));
  return { minutes: frame.slots, coveredMinutes: frame.slots - gaps.reduce((a, g) => a + g.minutes, 0), gaps };
}

/** True when history holds nothing at all for the period (and tenant): no report can be made. */
export function isEmpty(grids: HistoryGrids): boolean {
  return [grids.volumeWritten, grids.groupRpo, grids.linkWire].every((g) => g.rows().length === 0);
}
