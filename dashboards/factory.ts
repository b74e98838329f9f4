/**
 * Our panel factory over the Grafana Foundation SDK (pinned 0.0.21, a public preview): dashboards are
 * declared as plain specs and only this file touches the SDK, so an SDK upgrade changes one place.
 * It fills in what every panel must have: the datasource variable, a unit and a description taken
 * from the catalogue, thresholds, ids and runbook links.
 */
import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as gauge from "@grafana/grafana-foundation-sdk/gauge";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { type AlertKey, alerts, runbookUrl } from "../model/alerts.ts";
import { grafanaUnit, type MetricDef } from "../model/metrics.ts";
import { type DatasourceKind, datasourceRef } from "./datasource.ts";
import { InfluxDataqueryBuilder } from "./influx-dataquery.ts";
import { seriesToInfluxql } from "./influxql.ts";
import { type PanelQuery, type ScopeVariable, seriesLegend, seriesToPromql } from "./query.ts";
import { STATE_COLOURS, type StateName } from "./states.ts";
import type { Step } from "./thresholds.ts";
import { scopeVariables } from "./variables.ts";

export type PanelKind = "stat" | "timeseries" | "table" | "gauge" | "statetimeline" | "bargauge";

export interface PanelSpec {
  kind: PanelKind;
  title: string;
  /** The catalogue metric the panel shows: gives the unit and, unless overridden, the description. */
  metric?: MetricDef;
  /** Required when the panel is not about one metric; else it defaults to the metric's help. */
  description?: string;
  /** Grafana unit when it differs from the metric's (rates of counters, counts of things). */
  unit?: string;
  queries: readonly PanelQuery[];
  thresholds?: readonly Step[];
  /** Value mappings 1..n → state names and colours, for state-set panels (see states.ts). */
  states?: readonly StateName[];
  /** Alerts on this signal (alert catalogue keys): each adds a runbook link to the panel. */
  alerts?: readonly AlertKey[];
  width?: number;
  height?: number;
  /** Panel-relative time range, e.g. "now/d" for "today". */
  timeFrom?: string;
  /**
   * What the panel says instead of "No data" when its queries return nothing: for panels whose
   * source is optional, that it may not be configured and where to configure it.
   */
  noValue?: string;
}

export interface RowSpec {
  title: string;
  panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** Variables the dashboard filters by, outermost first. */
  scope: readonly ScopeVariable[];
  /** Metric whose labels feed the variables (label_values). */
  variableMetric: MetricDef;
  rows: readonly RowSpec[];
}

const SIZE: Record<PanelKind, { w: number; h: number }> = {
  stat: { w: 6, h: 5 },
  gauge: { w: 6, h: 6 },
  bargauge: { w: 8, h: 8 },
  timeseries: { w: 12, h: 8 },
  table: { w: 24, h: 8 },
  statetimeline: { w: 24, h: 7 },
};

/** The methods our specs use, common to every SDK panel builder. */
interface AnyPanelBuilder extends cog.Builder<dashboard.Panel> {
  id(id: number): this;
  title(title: string): this;
  description(description: string): this;
  datasource(ds: { type: string; uid: string }): this;
  targets(targets: cog.Builder<cog.Dataquery>[]): this;
  unit(unit: string): this;
  thresholds(t: cog.Builder<dashboard.ThresholdsConfig>): this;
  mappings(m: dashboard.ValueMapping[]): this;
  links(l: cog.Builder<dashboard.DashboardLink>[]): this;
  height(h: number): this;
  span(w: number): this;
  timeFrom(t: string): this;
  noValue(text: string): this;
}

/** Single-value panels show the latest value of each series. */
const lastValue = () => new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false);

const BUILDERS: Record<PanelKind, () => AnyPanelBuilder> = {
  stat: () => new stat.PanelBuilder().reduceOptions(lastValue()),
  timeseries: () => new timeseries.PanelBuilder(),
  table: () => new table.PanelBuilder(),
  gauge: () => new gauge.PanelBuilder().reduceOptions(lastValue()),
  statetimeline: () => new statetimeline.PanelBuilder(),
  bargauge: () => new bargauge.PanelBuilder().reduceOptions(lastValue()).displayMode(common.BarGaugeDisplayMode.Basic),
};

function target(q: PanelQuery, refId: string, kind: DatasourceKind, scope: readonly ScopeVariable[]) {
  if (kind === "influxdb") {
    if (q.kind !== "series") throw new Error("free PromQL has no InfluxDB rendering");
    return new InfluxDataqueryBuilder(datasourceRef(kind), seriesToInfluxql(q, scope))
      .refId(refId)
      .alias(seriesLegend(q).replaceAll(/\{\{(\w+)\}\}/g, "$$tag_$1"));
  }
  const b = new prometheus.DataqueryBuilder().datasource(datasourceRef(kind)).refId(refId);
  if (q.kind === "series") return b.expr(seriesToPromql(q, scope)).legendFormat(seriesLegend(q)).range();
  b.expr(q.expr).legendFormat(q.legend ?? "__auto");
  if (q.table) b.format(prometheus.PromQueryFormat.Table);
  return q.instant ? b.instant() : b.range();
}

export function panelDescription(p: PanelSpec): string {
  const text = p.description ?? p.metric?.help;
  if (!text) throw new Error(`panel "${p.title}" needs a description or a metric`);
  return text;
}

export function panelUnit(p: PanelSpec): string {
  const unit = p.unit ?? (p.metric && grafanaUnit(p.metric.unit));
  if (!unit) throw new Error(`panel "${p.title}" needs a unit or a metric`);
  return unit;
}

function buildPanel(p: PanelSpec, id: number, kind: DatasourceKind, scope: readonly ScopeVariable[]) {
  const size = SIZE[p.kind];
  const b = BUILDERS[p.kind]()
    .id(id)
    .title(p.title)
    .description(panelDescription(p))
    .datasource(datasourceRef(kind))
    .unit(panelUnit(p))
    .targets(p.queries.map((q, i) => target(q, String.fromCharCode(65 + i), kind, scope)))
    .span(p.width ?? size.w)
    .height(p.height ?? size.h);
  if (p.thresholds) {
    b.thresholds(
      new dashboard.ThresholdsConfigBuilder()
        .mode(dashboard.ThresholdsMode.Absolute)
        .steps(p.thresholds.map((s) => ({ ...s }))),
    );
  }
  if (p.states) {
    const options = Object.fromEntries(
      p.states.map((text, i) => [String(i + 1), { text, index: i, color: STATE_COLOURS[text] }]),
    );
    b.mappings([{ type: dashboard.MappingType.ValueToText, options }]);
  }
  if (p.alerts?.length) {
    b.links(
      p.alerts.map((key) =>
        new dashboard.DashboardLinkBuilder(`Runbook: ${alerts[key].name}`)
          .url(runbookUrl(alerts[key]))
          .targetBlank(true),
      ),
    );
  }
  if (p.timeFrom) b.timeFrom(p.timeFrom);
  if (p.noValue) b.noValue(p.noValue);
  return b;
}

/** The panels of a spec that an InfluxDB variant can show: history (time series) over catalogue series only. */
function influxCapable(p: PanelSpec): boolean {
  return p.kind === "timeseries" && p.queries.every((q) => q.kind === "series");
}

export function buildDashboard(spec: DashboardSpec, kind: DatasourceKind): dashboard.Dashboard {
  const influx = kind === "influxdb";
  const b = new dashboard.DashboardBuilder(influx ? `${spec.title} (InfluxDB)` : spec.title)
    .uid(influx ? `${spec.uid}-influx` : spec.uid)
    .description(spec.description)
    .tags(["rpowatch", kind])
    .editable()
    .refresh("30s")
    .time({ from: "now-6h", to: "now" })
    .timezone("browser")
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .variables(scopeVariables(spec.scope, spec.variableMetric, kind));
  let id = 0;
  for (const row of spec.rows) {
    const panels = influx ? row.panels.filter(influxCapable) : row.panels;
    if (panels.length === 0) continue;
    b.withRow(new dashboard.RowBuilder(row.title).id(++id));
    for (const p of panels) b.withPanel(buildPanel(p, ++id, kind, spec.scope));
  }
  return b.build();
}

/** Whether a spec has anything to show on InfluxDB. */
export const hasInfluxVariant = (spec: DashboardSpec): boolean => spec.rows.some((r) => r.panels.some(influxCapable));
