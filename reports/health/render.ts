/** The daily health report rendered: a table like the seeds' health report (001_0cf9b2a003f84c21.txt L5427), events below. */
import type { Interval } from "../capacity-report.ts";
import { bytes, duration, percent } from "../format.ts";
import type { HealthReport } from "../health-report.ts";
import { figuresCsv } from "../render/csv.ts";
import { esc, page, section, table } from "../render/html.ts";
import { type RenderedReport, reportBasename } from "../render/write.ts";

const spans = (list: readonly Interval[]) =>
  list.map((i) => `${i.start.slice(11)}–${i.end.slice(11)} (${i.minutes} min)`).join(", ") || "none";

export function renderHealth(r: HealthReport): RenderedReport {
  const scope = r.tenant === null ? "all tenants" : `tenant ${r.tenant}`;
  const html = page(`Health report ${r.day} — ${scope}`, [
    `<h1>Health report ${esc(r.day)} <small>${esc(scope)}</small></h1>`,
    `<p class="meta">generated ${esc(r.generatedAt)} · history covers ${r.coverage.coveredMinutes} of ${r.coverage.minutes} minutes${
      r.coverage.gaps.length ? ` · <strong>gaps:</strong> ${esc(spans(r.coverage.gaps))}` : ""
    }</p>`,
    section(
      "Groups",
      table(
        [
          "group",
          "change compressed / raw",
          "window policy / available",
          "RPO threshold / max",
          "hours RPO not met",
          "compliance",
          "flow controlled (h)",
          "retention log reset?",
        ],
        r.groups.map((g) => [
          `${g.site}/${g.group}`,
          `${bytes(g.compressedChangeBytes)} / ${bytes(g.changeBytes)}`,
          `${duration(g.requiredWindowSeconds)} / ${duration(g.availableWindowSeconds)}`,
          `${duration(g.rpoTargetSeconds)} / ${duration(g.rpoMaxSeconds)}`,
          g.hoursRpoNotMet.toFixed(2),
          percent(g.rpoCompliance),
          g.flowControlledHours === null ? "not measured" : g.flowControlledHours.toFixed(2),
          g.retentionLogReset === null ? "not measured" : g.retentionLogReset ? "YES" : "NO",
        ]),
      ),
    ),
    section(
      "Events",
      table(
        ["group", "resyncs", "bitmap mode", "journal warnings"],
        r.groups.map((g) => [
          `${g.site}/${g.group}`,
          spans(g.resyncs),
          spans(g.bitmapEpisodes),
          g.journalWarnings.join("; ") || "none",
        ]),
      ) +
        table(
          ["link or source", "outages"],
          [
            ...r.linkOutages.map((l) => [`link ${l.site}/${l.link}`, spans(l.outages)]),
            ...r.sourceOutages.map((s) => [`source ${s.source}`, spans(s.outages)]),
          ],
        ),
    ),
    `<p class="foot">How to read it (001_0cf9b2a003f84c21.txt L5437–L5443): available below policy — the journal is undersized; RPO max above threshold — a WAN or storage bottleneck. Every figure: docs/reports.md.</p>`,
  ]);
  return {
    basename: reportBasename("health", r.day, r.tenant),
    json: `${JSON.stringify(r, null, 2)}\n`,
    csv: figuresCsv(
      { groups: r.groups, linkOutages: r.linkOutages, sourceOutages: r.sourceOutages, gaps: r.coverage.gaps },
      [r.day],
    ),
    html,
  };
}
