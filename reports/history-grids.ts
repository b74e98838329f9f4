/**
 * What a report reads from history, and the reading: each grid is one catalogue metric at one
 * aggregate per minute, keyed by the labels that place its entity. The period is read a day at a
 * time (a progress step per day) through the HistoryReader contract only, so the embedded store,
 * InfluxDB and a Prometheus-compatible API all serve reports alike.
 *
 * A grid whose every figure is its last value or its peak (a target, a capacity, a peak
 * utilization) is read one step per day: a day's last or peak is the last or peak of its minutes,
 * so the figure is the same from 1,440 times fewer rows (a quarter of all rows at 10 volumes a
 * group). Such a grid holds a value at each day's first slot only and counts for no coverage.
 */
import type { Aggregate, HistoryReader } from "../history/store.ts";
import { type MetricDef, metrics } from "../model/metrics.ts";
import { MinuteGrid, SLOT_SECONDS } from "./minute-grid.ts";
import type { Period } from "./period.ts";

const VOLUME = ["tenant", "site", "group", "volume"] as const;
const GROUP = ["tenant", "site", "group"] as const;
const LINK = ["tenant", "site", "link"] as const;

interface GridQuery {
  metric: MetricDef;
  aggregate: Aggregate;
  key: readonly string[];
  match?: Readonly<Record<string, string>>;
  /** Read a step per day: only the grid's last value or peak is taken (see above). */
  perDay?: true;
}

export const GRID_QUERIES = {
  volumeWritten: { metric: metrics.volumeWrittenBytes, aggregate: "last", key: VOLUME },
  groupRpo: { metric: metrics.groupRpo, aggregate: "max", key: GROUP },
  groupRpoTarget: { metric: metrics.groupRpoTarget, aggregate: "last", key: GROUP, perDay: true },
  groupBitmap: { metric: metrics.groupState, aggregate: "max", key: GROUP, match: { state: "bitmap" } },
  groupResyncing: { metric: metrics.groupState, aggregate: "max", key: GROUP, match: { state: "resyncing" } },
  groupResyncRequired: { metric: metrics.groupResyncRequired, aggregate: "max", key: GROUP },
  journalWindow: { metric: metrics.journalWindow, aggregate: "min", key: GROUP },
  journalWindowTarget: { metric: metrics.journalWindowTarget, aggregate: "last", key: GROUP, perDay: true },
  journalUtilization: { metric: metrics.journalUtilization, aggregate: "max", key: GROUP, perDay: true },
  journalCapacity: { metric: metrics.journalCapacity, aggregate: "last", key: GROUP, perDay: true },
  journalTrimmedForSpace: {
    metric: metrics.journalTrimmedBytes,
    aggregate: "last",
    key: GROUP,
    match: { reason: "space" },
  },
  linkWire: { metric: metrics.linkWireBytes, aggregate: "last", key: LINK },
  linkRaw: { metric: metrics.linkRawBytes, aggregate: "last", key: LINK },
  linkUtilization: { metric: metrics.linkUtilization, aggregate: "mean", key: LINK },
  linkUtilizationPeak: { metric: metrics.linkUtilization, aggregate: "max", key: LINK, perDay: true },
  linkLimit: { metric: metrics.linkLimit, aggregate: "last", key: LINK, perDay: true },
  linkUp: { metric: metrics.linkUp, aggregate: "min", key: LINK },
  sourceUp: { metric: metrics.sourceUp, aggregate: "min", key: ["source"] },
} as const satisfies Record<string, GridQuery>;

export type GridName = keyof typeof GRID_QUERIES;
export type HistoryGrids = {
  [N in GridName]: MinuteGrid<(typeof GRID_QUERIES)[N]["key"][number]>;
};

/** Whether the grid holds a value per minute (not one per day), so that its minutes count as covered. */
export function perMinute(name: GridName): boolean {
  return !(GRID_QUERIES[name] as GridQuery).perDay;
}

export function emptyGrids(period: Period): HistoryGrids {
  const entries = Object.entries(GRID_QUERIES).map(([name, q]: [string, GridQuery]) => [
    name,
    new MinuteGrid(period.from, period.to, q.key, q.aggregate),
  ]);
  return Object.fromEntries(entries) as HistoryGrids;
}

export type ReadProgress = (done: number, total: number, day: string) => void;

/** Reads the period's grids, one day per step; a tenant narrows every query but the sources'. */
export async function readGrids(
  reader: HistoryReader,
  period: Period,
  tenant: string | undefined,
  progress: ReadProgress = () => {},
): Promise<HistoryGrids> {
  const grids = emptyGrids(period);
  const days = Math.ceil((period.to - period.from) / 86400);
  for (let d = 0; d < days; d++) {
    const from = period.from + d * 86400;
    const to = Math.min(from + 86400, period.to);
    for (const [name, q] of Object.entries(GRID_QUERIES) as [GridName, GridQuery][]) {
      const scoped = tenant !== undefined && q.key.includes("tenant");
      const match = { ...q.match, ...(scoped ? { tenant } : {}) };
      const series = await reader.range({
        metric: q.metric.name,
        match,
        from,
        to,
        stepSeconds: q.perDay ? 86400 : SLOT_SECONDS,
        aggregate: q.aggregate,
      });
      grids[name].add(series);
    }
    progress(d + 1, days, new Date(from * 1000).toISOString().slice(0, 10));
  }
  return grids;
}
