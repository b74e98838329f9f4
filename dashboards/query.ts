/**
 * Panel queries. A `SeriesQuery` names a catalogue metric and how to read it, so it renders both to
 * PromQL and to InfluxQL (the InfluxDB variants of the history views); a `PromQuery` is free PromQL
 * for what only Prometheus can express (topk, state sets, ALERTS) and is left out of the Influx variants.
 */
import { labelNames, type MetricDef } from "../model/metrics.ts";

/** Dashboard variables that filter series, outermost first. */
export const SCOPE_VARIABLES = ["tenant", "site", "group", "volume"] as const;
export type ScopeVariable = (typeof SCOPE_VARIABLES)[number];

export interface SeriesQuery {
  kind: "series";
  metric: MetricDef;
  /** Read a counter as a per-second rate. */
  rate?: boolean;
  /** Extra exact label matches, e.g. { location: "production" }. */
  match?: Readonly<Record<string, string>>;
  /** Labels the series are kept apart by, shown in the legend. */
  by: readonly string[];
  /** Legend prefix, e.g. "limit". */
  legend?: string;
}

export interface PromQuery {
  kind: "promql";
  expr: string;
  legend?: string;
  /** Instant query (tables, bar gauges of the current value). */
  instant?: boolean;
  /** Return a table frame rather than time series. */
  table?: boolean;
}

export type PanelQuery = SeriesQuery | PromQuery;

export const series = (metric: MetricDef, by: readonly string[], opts: Partial<SeriesQuery> = {}): SeriesQuery => ({
  kind: "series",
  metric,
  by,
  ...opts,
});

export const promql = (expr: string, opts: Omit<PromQuery, "kind" | "expr"> = {}): PromQuery => ({
  kind: "promql",
  expr,
  ...opts,
});

/** The scope variables a metric can be filtered by on a dashboard that defines `scope`. */
export function scopeLabels(metric: MetricDef, scope: readonly ScopeVariable[]): ScopeVariable[] {
  const labels = labelNames(metric);
  return scope.filter((v) => labels.includes(v));
}

/** `name{tenant=~"$tenant",…,extra="x"}`: the metric filtered by the dashboard's variables. */
export function selector(
  metric: MetricDef,
  scope: readonly ScopeVariable[],
  match: Readonly<Record<string, string>> = {},
): string {
  const matchers = [
    ...scopeLabels(metric, scope).map((v) => `${v}=~"$${v}"`),
    ...Object.entries(match).map(([k, v]) => `${k}="${v}"`),
  ];
  return matchers.length ? `${metric.name}{${matchers.join(",")}}` : metric.name;
}

export function seriesToPromql(q: SeriesQuery, scope: readonly ScopeVariable[]): string {
  const sel = selector(q.metric, scope, q.match);
  const inner = q.rate ? `rate(${sel}[$__rate_interval])` : sel;
  return q.by.length ? `sum by (${q.by.join(", ")}) (${inner})` : `sum(${inner})`;
}

export function seriesLegend(q: SeriesQuery): string {
  const labels = q.by.map((l) => `{{${l}}}`).join(" ");
  return [q.legend, labels].filter(Boolean).join(" ") || q.metric.name;
}
