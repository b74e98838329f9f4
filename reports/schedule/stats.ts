/**
 * The scheduler's own figure, exported through the catalogue: scheduled runs by report and result.
 * Every report kind's counters exist at 0 from the start, scheduled or not, so an increase is always visible
 * (a counter born at 1 hides its first run from increase()).
 */
import type { SeriesOverrides } from "../../history/snapshot-samples.ts";
import { metrics } from "../../model/metrics.ts";
import { REPORT_KINDS, type ReportKind } from "../kinds.ts";

// The catalogue's label values are the report kinds, so a new kind cannot go uncounted.
REPORT_KINDS satisfies typeof metrics.reportRuns.extraLabels.report;

export type RunResult = (typeof metrics.reportRuns.extraLabels.result)[number];

export class ReportRunStats {
  private readonly counts = new Map<string, number>();

  constructor() {
    for (const kind of REPORT_KINDS) {
      for (const result of metrics.reportRuns.extraLabels.result) this.counts.set(JSON.stringify([kind, result]), 0);
    }
  }

  record(kind: ReportKind, result: RunResult): void {
    const key = JSON.stringify([kind, result]);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  get(kind: ReportKind, result: RunResult): number {
    return this.counts.get(JSON.stringify([kind, result])) ?? 0;
  }

  /** The extractor for the exporter and the history recorder alike. */
  overrides(): SeriesOverrides {
    return {
      reportRuns: (_s, _now, emit) => {
        for (const [key, count] of [...this.counts].sort(([a], [b]) => a.localeCompare(b))) {
          emit(JSON.parse(key) as string[], count);
        }
      },
    };
  }
}
