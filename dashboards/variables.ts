/**
 * Dashboard variables: the datasource, then tenant → site → group → volume, each chained to the
 * ones before it, sorted, multi-valued with All, and refreshed on time-range change so a new group
 * appears without reloading the dashboard.
 */
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { type MetricDef, metrics } from "../model/metrics.ts";
import { type DatasourceKind, datasourceRef } from "./datasource.ts";
import { influxSeries } from "./influx-schema.ts";
import { type ScopeVariable, selector } from "./query.ts";

/** The volume variable reads a volume series every site exports (the size); the others the dashboard's own metric. */
const metricFor = (v: ScopeVariable, fallback: MetricDef): MetricDef => (v === "volume" ? metrics.volumeSize : fallback);

export function variableQuery(
  v: ScopeVariable,
  outer: readonly ScopeVariable[],
  metric: MetricDef,
  kind: DatasourceKind,
) {
  const m = metricFor(v, metric);
  if (kind === "prometheus") return `label_values(${selector(m, outer)}, ${v})`;
  const where = outer.map((o) => `"${o}" =~ /^$${o}$/`).join(" AND ");
  return `SHOW TAG VALUES FROM "${influxSeries(m).measurement}" WITH KEY = "${v}"${where ? ` WHERE ${where}` : ""}`;
}

export function scopeVariables(
  scope: readonly ScopeVariable[],
  metric: MetricDef,
  kind: DatasourceKind,
): cog.Builder<dashboard.VariableModel>[] {
  const datasource = new dashboard.DatasourceVariableBuilder("datasource").label("Data source").type(kind);
  const chained = scope.map((v, i) => {
    const query = variableQuery(v, scope.slice(0, i), metric, kind);
    return new dashboard.QueryVariableBuilder(v)
      .label(v[0]!.toUpperCase() + v.slice(1))
      .datasource(datasourceRef(kind))
      .query(query)
      .definition(query)
      .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
      .sort(dashboard.VariableSort.AlphabeticalCaseInsensitiveAsc)
      .multi(true)
      .includeAll(true)
      .allValue(".*");
  });
  return [datasource, ...chained];
}
