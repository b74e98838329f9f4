/**
 * A small typed InfluxQL builder for Grafana panels: only the SELECT shape the history views need,
 * with identifiers quoted and variables matched as anchored regexes (`/^$tenant$/`), which is how
 * Grafana interpolates multi-value and All selections for InfluxQL.
 */
import { influxSeries } from "./influx-schema.ts";
import type { ScopeVariable, SeriesQuery } from "./query.ts";
import { scopeLabels } from "./query.ts";

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '\\"')}"`;
const quoteString = (value: string): string => `'${value.replaceAll("'", "\\'")}'`;

export type Condition =
  | { tag: string; matchesVariable: string }
  | { tag: string; equals: string }
  | { timeFilter: true };

export interface Select {
  aggregate: "mean" | "max" | "last";
  field: string;
  /** Per-second rate of a cumulative field. */
  rate: boolean;
  measurement: string;
  where: readonly Condition[];
  groupByTags: readonly string[];
}

function renderCondition(c: Condition): string {
  if ("timeFilter" in c) return "$timeFilter";
  if ("matchesVariable" in c) return `${quoteIdent(c.tag)} =~ /^$${c.matchesVariable}$/`;
  return `${quoteIdent(c.tag)} = ${quoteString(c.equals)}`;
}

export function renderSelect(s: Select): string {
  const agg = `${s.aggregate}(${quoteIdent(s.field)})`;
  const projection = s.rate ? `non_negative_derivative(${agg}, 1s)` : agg;
  const groupBy = ["time($__interval)", ...s.groupByTags.map(quoteIdent)].join(", ");
  return `SELECT ${projection} FROM ${quoteIdent(s.measurement)} WHERE ${s.where.map(renderCondition).join(" AND ")} GROUP BY ${groupBy} fill(null)`;
}

/** The InfluxQL equivalent of a catalogue series query on a dashboard with the given variables. */
export function seriesToInfluxql(q: SeriesQuery, scope: readonly ScopeVariable[]): string {
  const schema = influxSeries(q.metric);
  return renderSelect({
    aggregate: "mean",
    field: schema.field,
    rate: Boolean(q.rate) && schema.cumulative,
    measurement: schema.measurement,
    where: [
      ...scopeLabels(q.metric, scope).map((v) => ({ tag: v, matchesVariable: v })),
      ...Object.entries(q.match ?? {}).map(([tag, equals]) => ({ tag, equals })),
      { timeFilter: true as const },
    ],
    groupByTags: q.by,
  });
}
