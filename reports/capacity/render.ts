/** The capacity report rendered into its four formats' content. */
import type { CapacityReport } from "../capacity-report.ts";
import { figuresCsv } from "../render/csv.ts";
import { capacityHtml } from "../render/html.ts";
import type { RenderedReport } from "../render/write.ts";

export function renderCapacity(report: CapacityReport): RenderedReport {
  const sections = {
    risks: report.risks,
    change: report.change,
    links: report.links,
    rpo: report.rpo,
    protection: report.protection,
    journalSizing: report.sizing.journals,
    bandwidthSizing: report.sizing.bandwidth,
    journalForecast: report.forecast.journals,
    linkForecast: report.forecast.links,
    gaps: report.coverage.gaps,
  };
  return {
    basename: `capacity-${report.month}${report.tenant === null ? "" : `-${report.tenant.replace(/[^A-Za-z0-9._-]/g, "_")}`}`,
    json: `${JSON.stringify(report, null, 2)}\n`,
    csv: figuresCsv(sections, report.days),
    html: capacityHtml(report),
  };
}
