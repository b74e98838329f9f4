/**
 * The monthly capacity report: read the month's grids through a HistoryReader, then compute every
 * section from them (a pure function of the grids, so fixture grids pin every figure).
 */
import type { HistoryReader } from "../../history/store.ts";
import type { CapacityReport } from "../capacity-report.ts";
import { coverage, isEmpty } from "../coverage.ts";
import { Frame } from "../frame.ts";
import { type HistoryGrids, type ReadProgress, readGrids } from "../history-grids.ts";
import type { Period } from "../period.ts";
import { DEFAULT_BANDWIDTH_ADJUSTMENT, DEFAULT_IMAGE_ACCESS_SHARE } from "../sizing.ts";
import { changeSeries, PERCENTILE } from "./change.ts";
import { journalForecasts, linkForecasts } from "./forecast.ts";
import { AT_LIMIT_UTILIZATION, compressionBySite, linkSeries } from "./links.ts";
import { protectionRows } from "./protection.ts";
import { topRisks } from "./risks.ts";
import { rpoRows } from "./rpo.ts";
import { bandwidthSizingRows, journalSizingRows, type SizingAssumptions } from "./sizing-rows.ts";

export const DEFAULT_ASSUMPTIONS: SizingAssumptions = {
  imageAccessShare: DEFAULT_IMAGE_ACCESS_SHARE,
  bandwidthAdjustmentFactor: DEFAULT_BANDWIDTH_ADJUSTMENT,
};

export interface CapacityOptions {
  tenant?: string;
  /** Unix seconds the report is made at. */
  generatedAt: number;
  assumptions?: SizingAssumptions;
}

/** History holds nothing for what was asked: no report can be produced. */
export class NoHistoryError extends Error {}

export async function readCapacityReport(
  reader: HistoryReader,
  period: Period,
  options: CapacityOptions,
  progress?: ReadProgress,
): Promise<CapacityReport> {
  const grids = await readGrids(reader, period, options.tenant, progress);
  return capacityReport(period, grids, options);
}

export function capacityReport(period: Period, grids: HistoryGrids, options: CapacityOptions): CapacityReport {
  if (isEmpty(grids)) {
    const whose = options.tenant === undefined ? "" : ` for tenant "${options.tenant}"`;
    throw new NoHistoryError(
      `history holds no samples${whose} in ${period.label} (${new Date(period.from * 1000).toISOString()} to ${new Date(period.to * 1000).toISOString()}): nothing to report`,
    );
  }
  const assumptions = options.assumptions ?? DEFAULT_ASSUMPTIONS;
  const frame = new Frame(period);
  const links = linkSeries(frame, grids);
  const change = changeSeries(frame, grids, compressionBySite(links));
  const rpo = rpoRows(frame, grids);
  const protection = protectionRows(frame, grids);
  const journals = journalSizingRows(change, protection, assumptions);
  const sections = {
    coverage: coverage(frame, grids),
    change: change.map((c) => c.row),
    links: links.map((l) => l.row),
    rpo,
    protection,
    sizing: { journals, bandwidth: bandwidthSizingRows(change, links, assumptions) },
    forecast: {
      journals: journalForecasts(frame, change, journals, assumptions),
      links: linkForecasts(frame, links),
    },
  };
  return {
    kind: "capacity",
    schemaVersion: 1,
    month: period.label,
    tenant: options.tenant ?? null,
    from: new Date(period.from * 1000).toISOString(),
    to: new Date(period.to * 1000).toISOString(),
    generatedAt: new Date(options.generatedAt * 1000).toISOString(),
    days: frame.days,
    assumptions: { ...assumptions, atLimitUtilization: AT_LIMIT_UTILIZATION, percentile: PERCENTILE },
    risks: topRisks(sections),
    ...sections,
  };
}
