import type { HistoryStats } from "../../history/stats.ts";

/** What the history stats export, per catalogue key: the series (labels, value) the exporter would serve. */
export function exportedStats(stats: HistoryStats): Record<string, Array<[readonly string[], number]>> {
  return Object.fromEntries(
    Object.entries(stats.overrides()).map(([key, extract]) => {
      const out: Array<[readonly string[], number]> = [];
      extract!({} as never, 0, (labels, value) => out.push([labels, value]));
      return [key, out];
    }),
  );
}
