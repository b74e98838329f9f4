/** Renders docs/metrics.md from the metric catalogue (model/metrics.ts); `rpowatch generate` writes it. */
import { WHEN_STALE, type WhenStale } from "../collector/series.ts";
import { ENTITY_LABELS, type Entity, METRIC_LIST, type MetricDef, type MetricKey, metrics } from "../model/metrics.ts";

const SECTIONS: Record<Entity, string> = {
  volume: "Volumes",
  group: "Consistency groups",
  journal: "Journals",
  link: "Replication links",
  interface: "WAN interfaces",
  source: "Sources (collector self-health)",
  notifier: "Notifications",
  collector: "Collector",
};

const cell = (text: string): string => text.replaceAll("|", "\\|");

/** Labels beyond the section's entity labels, with their closed value sets. */
function extraLabelsCell(m: MetricDef): string {
  const extra = Object.entries(m.extraLabels ?? {}).map(([name, values]) =>
    values.length > 0 ? `\`${name}\` (${values.map((v) => `\`${v}\``).join(", ")})` : `\`${name}\``,
  );
  return extra.join(", ") || "—";
}

export function renderMetricsDoc(): string {
  const lines = [
    "# Metrics reference",
    "",
    "Generated from the metric catalogue (model/metrics.ts) by `rpowatch generate`; do not edit by hand.",
    "Every series carries the labels that place it; label values are bounded (no ids or paths).",
    "Counters are monotonic: source restarts are folded in. Enumerations are state sets (one series per",
    "value, 1 for the current one). `/metrics` serves the Prometheus text format, or OpenMetrics when the",
    "scraper asks for it (counters then end in `_total` on samples only).",
    "",
  ];
  for (const entity of Object.keys(SECTIONS) as Entity[]) {
    const list = METRIC_LIST.filter((m) => m.entity === entity);
    if (list.length === 0) continue;
    const base = ENTITY_LABELS[entity];
    lines.push(`## ${SECTIONS[entity]}`, "");
    lines.push(`Labels on every series: ${base.length ? base.map((l) => `\`${l}\``).join(", ") : "none"}.`, "");
    lines.push("| Metric | Type | Unit | Extra labels | Description |", "|---|---|---|---|---|");
    for (const m of list) {
      const note = m.notOnDashboard ? ` Not on a dashboard: ${m.notOnDashboard}.` : "";
      lines.push(`| \`${m.name}\` | ${m.type} | ${m.unit} | ${extraLabelsCell(m)} | ${cell(m.help)}${cell(note)} |`);
    }
    lines.push("");
  }
  lines.push(`${METRIC_LIST.length} metrics. Label order on every series: entity labels, then extra labels.`, "");
  lines.push(...staleSection());
  return lines.join("\n");
}

const STALE_MEANING: Record<WhenStale, string> = {
  conservative:
    "Turned conservative: RPO keeps growing from its last known value by the time elapsed (a lower bound of the data at risk, even from 0), and the RPO ratio with it; group and link state read `unknown`.",
  absent: "Absent: these cannot be bounded, so they are removed rather than frozen.",
  kept: "Kept: configured facts, last known values that can only err on the safe side (a recovery point or bookmark at least this old), and the source's own health.",
};

/** What happens to each figure when its source stops reporting (collector/series.ts WHEN_STALE). */
function staleSection(): string[] {
  const lines = [
    "## When a source stops reporting",
    "",
    "A source is stale when it is down or its newest data is older than one heartbeat interval plus its",
    "timeout (`rpowatch_source_data_age_seconds` above that bound; engine: stream interval 1 s or `pollInterval`,",
    "whichever is longer, plus `timeout`; SNMP: `interval` + `timeout` × (`retries` + 1); PostgreSQL:",
    "`interval` + `timeout`; push: `heartbeat`). From the first scrape after that instant, the figures of",
    "its entities are never healthier than measured:",
    "",
  ];
  for (const policy of ["conservative", "absent", "kept"] as const) {
    const keys = (Object.keys(WHEN_STALE) as MetricKey[]).filter((k) => WHEN_STALE[k] === policy);
    lines.push(`- ${STALE_MEANING[policy]} ${keys.map((k) => `\`${metrics[k].name}\``).join(", ")}.`);
  }
  lines.push(
    "",
    "A cut link is not a silent source: both sites go on reporting. Their link reads `connecting` or",
    "`down` (`rpowatch_link_up` 0), the production site's RPO grows from the oldest write not yet",
    "acknowledged, and a group that was `active` reads `error` at each site whose links are all down:",
    "nothing flows to the recovery site. `RpoAtRisk` and `LinkDown` page for it.",
    "",
  );
  return lines;
}
