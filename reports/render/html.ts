/**
 * The capacity report as one self-contained HTML file: styles inline, charts as inline SVG, no
 * script and no network. Printed on A4 portrait (Chromium prints the PDF from it); tables wrap
 * and break across pages, charts are sized to the printable width.
 */
import type { CapacityReport, ChangeRow, Interval } from "../capacity-report.ts";
import { bytes, duration, kbit, percent, rate, ratio } from "../format.ts";
import { type DailyChart, dailyChartSvg } from "./charts.ts";

/** Most entities drawn in one chart; the rest are in the tables. */
const CHART_SERIES = 8;

export function capacityHtml(r: CapacityReport): string {
  const scope = r.tenant === null ? "all tenants" : `tenant ${r.tenant}`;
  const groups = r.change.filter((c) => c.level === "group");
  const biggest = [...groups].sort((a, b) => (b.totalBytes ?? 0) - (a.totalBytes ?? 0)).slice(0, CHART_SERIES);
  const name = (c: ChangeRow) => `${c.site}/${c.group}`;
  return page(`Capacity report ${r.month} — ${scope}`, [
    `<h1>Capacity report ${esc(r.month)} <small>${esc(scope)}</small></h1>`,
    `<p class="meta">${esc(r.from)} to ${esc(r.to)} · generated ${esc(r.generatedAt)} · history covers ${r.coverage.coveredMinutes} of ${r.coverage.minutes} minutes${
      r.coverage.gaps.length ? ` · <strong>gaps:</strong> ${r.coverage.gaps.map(interval).join(", ")}` : ""
    }</p>`,
    section(
      "Top risks",
      r.risks.length
        ? `<ol class="risks">${r.risks.map((k) => `<li class="${k.category}">${esc(k.text)}</li>`).join("")}</ol>`
        : "<p>No risk found in the measured data.</p>",
    ),
    section(
      "Change",
      chart("Raw change per day, largest groups", {
        kind: "bar",
        days: r.days,
        series: biggest.map((g) => ({ name: name(g), values: g.dailyBytes })),
        format: (v) => bytes(v),
      }) +
        table(
          [
            "level",
            "entity",
            "avg rate",
            "p95 rate",
            "peak rate",
            "avg per day",
            "compressed per day",
            "ratio",
            "month",
          ],
          r.change.map((c) => [
            c.level,
            [c.tenant, c.site, c.group, c.volume].filter((p) => p !== null).join("/"),
            rate(c.averageBytesPerSecond),
            rate(c.p95BytesPerSecond),
            rate(c.peakBytesPerSecond),
            bytes(c.averageDailyBytes),
            bytes(c.compressedAverageDailyBytes),
            ratio(c.compressionRatio),
            bytes(c.totalBytes),
          ]),
        ),
    ),
    section(
      "WAN links",
      chart("Bytes on the wire per day", {
        kind: "bar",
        days: r.days,
        series: r.links.slice(0, CHART_SERIES).map((l) => ({ name: `${l.site}/${l.link}`, values: l.dailyWireBytes })),
        format: (v) => bytes(v),
      }) +
        table(
          ["link", "month (wire)", "ratio", "limit", "p95 util.", "peak util.", "hours at limit", "outages"],
          r.links.map((l) => [
            `${l.site}/${l.link}`,
            bytes(l.wireBytes),
            ratio(l.compressionRatio),
            l.limitBytesPerSecond === null ? "unlimited" : rate(l.limitBytesPerSecond),
            percent(l.utilizationP95),
            percent(l.utilizationPeak),
            l.hoursAtLimit === null ? "—" : l.hoursAtLimit.toFixed(2),
            l.outages.length ? l.outages.map(interval).join(", ") : "none",
          ]),
        ),
    ),
    section(
      "RPO",
      chart("Highest RPO per day", {
        kind: "line",
        days: r.days,
        series: r.rpo.slice(0, CHART_SERIES).map((g) => ({ name: `${g.site}/${g.group}`, values: g.dailyMaxSeconds })),
        format: (v) => duration(v),
        ...(r.rpo[0] && { reference: { name: "target", value: r.rpo[0].targetSeconds } }),
      }) +
        table(
          ["group", "target", "max", "p95", "minutes beyond", "compliance", "worst incidents"],
          r.rpo.map((g) => [
            `${g.site}/${g.group}`,
            `${duration(g.targetSeconds)}${g.targetAssumed ? " (default)" : ""}`,
            duration(g.maxSeconds),
            duration(g.p95Seconds),
            String(g.minutesBeyondTarget),
            percent(g.compliance),
            g.worstIncidents.map((i) => `${interval(i)} up to ${duration(i.peakRpoSeconds)}`).join("; ") || "none",
          ]),
        ),
    ),
    section(
      "Protection",
      table(
        [
          "group",
          "window required",
          "achieved (min)",
          "achieved (avg)",
          "minutes short",
          "journal",
          "peak use",
          "bitmap days",
          "flow control",
        ],
        r.protection.map((p) => [
          `${p.site}/${p.group}`,
          duration(p.requiredWindowSeconds),
          duration(p.achievedMinSeconds),
          duration(p.achievedAverageSeconds),
          p.minutesShortOfWindow === null ? "—" : String(p.minutesShortOfWindow),
          bytes(p.journalCapacityBytes),
          percent(p.journalPeakUtilization),
          p.bitmapDays.join(", ") || "none",
          p.flowControlDays === null ? "not measured" : p.flowControlDays.join(", ") || "none",
        ]),
      ),
    ),
    section(
      "Sizing from measured data",
      `<p class="formula">Journal (EMC, 000_e7ab14c372fca572.txt L112–L114): 1.05 × R × T ÷ (1 − ${r.assumptions.imageAccessShare}), at least 10 GB.
       Retention storage (InMage, 001_0cf9b2a003f84c21.txt L1494): daily change ÷ 24 × window hours.
       Bandwidth for RPO ≈ 0 (InMage Analyzer, 001_0cf9b2a003f84c21.txt L1500): MB/s × 8192 × (1 + ${r.assumptions.bandwidthAdjustmentFactor}) Kbit/s.</p>` +
        table(
          ["group", "avg rate R", "window T", "journal needed", "journal has", "retention storage"],
          r.sizing.journals.map((j) => [
            `${j.site}/${j.group}`,
            rate(j.changeRateBytesPerSecond),
            duration(j.requiredWindowSeconds),
            `${bytes(j.recommendedJournalBytes)}${j.floorApplied ? " (10 GB floor)" : ""}`,
            bytes(j.journalCapacityBytes),
            bytes(j.retentionStorageBytes),
          ]),
        ) +
        table(
          ["site", "available", "average raw", "average compressed", "peak hour raw", "peak hour compressed"],
          r.sizing.bandwidth.map((b) => [
            b.site,
            kbit(b.availableKbitPerSecond),
            ...[b.averageRaw, b.averageCompressed, b.peakRaw, b.peakCompressed].map((f) =>
              f === null
                ? "—"
                : `${kbit(f.requiredKbitPerSecond)}${f.achievable === null ? "" : f.achievable ? " ✓" : " ✗"}`,
            ),
          ]),
        ),
    ),
    section(
      "Growth and forecast",
      table(
        ["entity", "growth per month", "forecast"],
        [
          ...r.forecast.journals.map((j) => [
            `journal ${j.site}/${j.group}`,
            percent(j.growthPerMonth, 1),
            forecastText(j.status, j.date, "stops holding its window"),
          ]),
          ...r.forecast.links.map((l) => [
            `link ${l.site}/${l.link}`,
            percent(l.growthPerMonth, 1),
            forecastText(l.status, l.date, "reaches its limit at p95"),
          ]),
        ],
      ),
    ),
    `<p class="foot">Every figure, its formula and its source: docs/reports.md. Percentiles are nearest-rank over measured minutes; a minute without samples is left out, never counted as zero.</p>`,
  ]);
}

function forecastText(status: string, date: string | null, what: string): string {
  if (status === "short-now") return "already short";
  if (status === "holds") return "holds at this trend";
  return `${what} on ${date}`;
}

const interval = (i: Interval) => `${i.start}–${i.end.slice(11)} (${i.minutes} min)`;

export function esc(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);
}

function section(title: string, body: string): string {
  return `<section><h2>${esc(title)}</h2>${body}</section>`;
}

function chart(title: string, spec: DailyChart): string {
  return `<figure class="chart"><figcaption>${esc(title)}</figcaption>${dailyChartSvg(spec)}</figure>`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

export function page(title: string, parts: readonly string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
@page { size: A4; margin: 12mm; }
body { font: 10pt/1.35 "DejaVu Sans", Arial, sans-serif; color: #111; max-width: 186mm; margin: 0 auto; }
h1 { font-size: 16pt; margin: 0 0 4pt; } h1 small { font-size: 11pt; color: #555; font-weight: normal; }
h2 { font-size: 12pt; border-bottom: 1px solid #999; margin: 14pt 0 6pt; break-after: avoid; }
.meta, .foot, .formula { font-size: 8.5pt; color: #444; }
.risks li { margin-bottom: 3pt; } .risks .rpo-missed, .risks .window-short, .risks .journal-undersized { color: #a00; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; font-size: 7.5pt; margin: 4pt 0 8pt; }
th, td { border: 1px solid #ccc; padding: 2pt 3pt; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
th { background: #eee; } thead { display: table-header-group; } tr { break-inside: avoid; }
figure.chart { margin: 4pt 0; break-inside: avoid; } figure.chart svg { max-width: 100%; height: auto; }
</style></head><body>
${parts.join("\n")}
</body></html>
`;
}
