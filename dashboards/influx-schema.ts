/**
 * Where each catalogue metric lives in InfluxDB: one measurement per metric, named like the
 * Prometheus series, one field `value`, and the metric's labels as tags. Derived from the catalogue
 * so the writer (collector) and the dashboards agree by construction.
 */
import { labelNames, type MetricDef } from "../model/metrics.ts";

export interface InfluxSeries {
  measurement: string;
  field: string;
  tags: readonly string[];
  /** Counters are stored cumulative; readers take a non-negative derivative. */
  cumulative: boolean;
}

export const INFLUX_FIELD = "value";

export function influxSeries(metric: MetricDef): InfluxSeries {
  return {
    measurement: metric.name,
    field: INFLUX_FIELD,
    tags: labelNames(metric),
    cumulative: metric.type === "counter",
  };
}
