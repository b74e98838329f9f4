/**
 * docs/dashboards.md, generated from the same specs the dashboards are built from, so the panel
 * list, units and runbook links in the docs cannot drift from what Grafana shows.
 */
import { alerts } from "../model/alerts.ts";
import { DASHBOARDS } from "./catalog.ts";
import { type DashboardSpec, hasInfluxVariant, type PanelSpec, panelDescription, panelUnit } from "./factory.ts";

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function panelRow(row: string, p: PanelSpec): string {
  const metricNames = [
    ...new Set(
      p.queries.flatMap((q) =>
        q.kind === "series" ? [q.metric.name] : (q.expr.match(/\b(?:rpowatch_\w+|ALERTS)\b/g) ?? []),
      ),
    ),
  ];
  const runbooks = (p.alerts ?? []).map((k) => alerts[k].name).join(", ");
  return `| ${cell(row)} | ${cell(p.title)} | ${p.kind} | \`${panelUnit(p)}\` | ${metricNames.map((n) => `\`${n}\``).join(", ")} | ${runbooks} | ${cell(panelDescription(p))} |`;
}

function dashboardSection(d: DashboardSpec): string {
  const vars = ["datasource", ...d.scope].map((v) => `\`$${v}\``).join(", ");
  return [
    `### ${d.title}`,
    "",
    `${d.description} File \`dashboards/${d.uid}.json\`${hasInfluxVariant(d) ? ` (InfluxDB: \`dashboards/${d.uid}-influx.json\`)` : ""}; variables ${vars}.`,
    "",
    "| Row | Panel | Type | Unit | Series | Runbooks | Description |",
    "|---|---|---|---|---|---|---|",
    ...d.rows.flatMap((r) => r.panels.map((p) => panelRow(r.title, p))),
    "",
  ].join("\n");
}

export function renderDashboardsDoc(): string {
  return [
    "# Dashboards and the NOC page",
    "",
    "Generated from dashboards/ by `rpowatch generate`; do not edit by hand.",
    "",
    "rpowatch ships Grafana dashboards built with the Grafana Foundation SDK (pinned 0.0.21, wrapped by",
    "dashboards/factory.ts) and a live NOC page served by the exporter. Every panel takes its unit and,",
    "when it shows one metric, its description from the metric catalogue (model/metrics.ts); panels on a",
    "signal with an alert link to that alert's runbook (model/alerts.ts).",
    "",
    "## Installing in Grafana",
    "",
    "```sh",
    "rpowatch dashboards build --out /tmp/rpowatch-grafana \\",
    "  --prometheus-url http://prometheus:9090 --influx-url http://influxdb:8086 \\",
    "  --dashboards-path /var/lib/grafana/dashboards/rpowatch",
    "cp /tmp/rpowatch-grafana/provisioning/datasources/rpowatch.yaml /etc/grafana/provisioning/datasources/",
    "cp /tmp/rpowatch-grafana/provisioning/dashboards/rpowatch.yaml  /etc/grafana/provisioning/dashboards/",
    "mkdir -p /var/lib/grafana/dashboards/rpowatch",
    "cp /tmp/rpowatch-grafana/dashboards/*.json /var/lib/grafana/dashboards/rpowatch/",
    "systemctl restart grafana-server",
    "```",
    "",
    "The datasource file defines `rpowatch Prometheus` (default, `timeInterval: 15s` so `$__rate_interval`",
    "spans at least four scrapes; change it to your scrape interval) and `rpowatch InfluxDB` (InfluxQL,",
    "database `rpowatch`). The provider file loads every JSON file of `--dashboards-path` into the folder",
    "*rpowatch*. Building twice gives identical bytes; the output of the defaults is checked in under",
    "dashboards/generated/.",
    "",
    "## Variables",
    "",
    "Every dashboard picks its data source through `$datasource`, so one set of files serves several",
    "Prometheus or InfluxDB instances. `$tenant`, `$site`, `$group` and `$volume` are `label_values` queries",
    "chained in that order (each filtered by the ones before it), sorted, multi-valued with *All*, and",
    "refreshed on time-range change so a new group appears without reloading.",
    "",
    "## Dashboards",
    "",
    ...DASHBOARDS.map(dashboardSection),
    "## InfluxDB variants",
    "",
    "The history views (time-series panels over catalogue series) also exist for an InfluxDB datasource.",
    "Each catalogue metric is stored as measurement = the Prometheus series name, field `value`, tags = its",
    "labels (dashboards/influx-schema.ts; the collector's InfluxDB writer must use the same mapping).",
    "Queries are built by dashboards/influxql.ts, e.g.",
    '`SELECT mean("value") FROM "rpowatch_group_rpo_seconds" WHERE "tenant" =~ /^$tenant$/ AND $timeFilter GROUP BY time($__interval), "group"`;',
    "counters are read with `non_negative_derivative(…, 1s)`. Panels needing PromQL only (top-k, state",
    "timelines, ALERTS) are Prometheus-only.",
    "",
    "## Live NOC page",
    "",
    "The exporter serves a wall-screen page at `/` (exporter/noc/: static HTML, CSS and ES modules, no",
    "build step). On load it fetches `/api/snapshot` and `/api/alerts` at once, so it shows data on",
    "first paint; it subscribes to the `/live` WebSocket (a full snapshot, then deltas), applies each",
    "delta in place without reloading, and reconnects with back-off; a delta that does not follow the",
    "page's snapshot makes it reconnect for a fresh one. It shows:",
    "",
    "- **Attention**: groups at or over 80% of their RPO target, groups in `error`, `bitmap` or `unknown`, links not",
    "  up, journals at or over 80%, sources down or stale (from the feed itself), and the alerts the",
    "  built-in evaluator fires (the feed's `alerts` messages, docs/exporter.md): alert name, summary",
    "  and subject, red for critical, amber for warning, blue for info; critical items first;",
    "- **Protected groups**, one row per group, worst RPO first: tenant, group, then the production and",
    "  the recovery site, each with the group's state there (and `source down` when its source is); the",
    "  two sites' reports of a group are paired by tenant and group name, the recovery side being the",
    "  one holding the journal (a group only one site reports names its peer site as `not reported`);",
    "  the production side's RPO against target as a bar coloured by the same thresholds as the Grafana",
    "  panels (prefixed `≥` while the state is `unknown`: the last measured RPO, still growing), change",
    "  rate, backlog and where it sits, journal fill;",
    "- **Links**: state, throughput against limit, RTT.",
    "",
    "State `unknown` (the source is down or stale: nothing measured) is drawn in a colour of its own,",
    "violet with a dashed outline, neither the healthy green nor the failed red; the Grafana state",
    "panels map it to purple. Attention items name the tenant, site and subject. The page has a favicon.",
    "",
    "Dark theme, high contrast, type that scales with the screen width. Every string from a source is",
    "set with `textContent`, never parsed as HTML, alert labels and annotations included.",
    "",
    "The evaluator honours each alert's `for` (minutes to hours); for a demo of `rpowatch start`,",
    "`embedded.alertFor: 10s` replaces them all, so its alerts reach the page within seconds.",
    "",
    "## Verification",
    "",
    "- test/dashboards/lint.test.ts: unique panel ids, a unit and a description on every panel, data",
    "  source by variable, no fixed `rate(…[1m])` ranges, sorted and refreshing variables; every catalogue",
    "  metric on a panel or marked `notOnDashboard`.",
    "- test/dashboards/queries-return-data.test.ts: `rpowatch start` as a user runs it (both engine",
    "  sites, NBD workload, collector, exporter, evaluator), with an SNMP source polling a real snmpd",
    "  (its `lo` attributed to the link `prod->dr`) and SNMP traps going to a real snmptrapd; a real",
    "  Prometheus scrapes it with the alert rules loaded. Every panel query of every Prometheus",
    "  dashboard runs with its variables resolved and must return data, with no exceptions; prints a",
    "  coverage table.",
    "- test/dashboards/reproducible.test.ts: identical bytes on rebuild and against dashboards/generated/.",
    "- test/dashboards/noc-page.test.ts: headless Chromium renders the page of a collector fed through",
    "  the push API (the engine refuses hostile names): data on first paint with the live feed held back,",
    "  one row per protected group with both sites, `unknown` in its own colour, a favicon; it follows",
    "  an RPO change without reloading and shows a hostile tenant/group name as text; writes a screenshot to",
    "  `$TMPDIR/rpowatch-artifacts/noc-page.png`.",
    "- test/dashboards/noc-alerts.test.ts: headless Chromium on the page of `rpowatch start`, opened",
    "  before any alert fires, shows the evaluator's ProtectionWindowCritical in the Attention strip, in",
    "  the critical colour, as `/api/alerts` reports it.",
    "- test/dashboards/influx-queries.test.ts: a real InfluxDB 1.x accepts every generated InfluxQL",
    "  statement (syntax only until a component writes rpowatch series to InfluxDB).",
    "- test/dashboards/noc-contract.test.ts: the page's colours and entity keys match the Grafana",
    "  thresholds and the live feed's delta keys.",
    "",
  ].join("\n");
}
