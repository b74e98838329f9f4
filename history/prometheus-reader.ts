/**
 * A HistoryReader over a Prometheus-compatible query API (VictoriaMetrics fed by remote-write,
 * Prometheus, Thanos, Mimir), for reports beyond one machine (docs/scaling.md). A step's value is
 * `<fn>_over_time(metric[step])` evaluated at the step's end, so it folds the samples of
 * (start, start + step]: the same as the stores' [start, start + step) except for a sample exactly
 * on a step boundary. Series carry the labels the query API holds (with `job` and `instance` when
 * they came through a Prometheus scrape).
 */
import { failureReason } from "../lib/failure-reason.ts";
import type { Aggregate, HistoryReader, RangeQuery, Series } from "./store.ts";

const OVER_TIME: Record<Aggregate, string> = {
  min: "min_over_time",
  max: "max_over_time",
  mean: "avg_over_time",
  last: "last_over_time",
};
/** Points per series per request: below Prometheus' 11,000 and VictoriaMetrics' 30,000 limits. */
const MAX_POINTS = 10_000;

const escapeLabel = (v: string) => v.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

interface QueryRangeResponse {
  status: string;
  error?: string;
  data?: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

export interface PrometheusReaderOptions {
  /** Base URL of the query API, e.g. http://vmselect:8481/select/0/prometheus or http://victoria:8428. */
  url: string;
  timeoutSeconds: number;
}

export class PrometheusReader implements HistoryReader {
  constructor(private readonly options: PrometheusReaderOptions) {}

  /** A reader once the query API answers a query; fails naming the URL when it does not. */
  static async connect(options: PrometheusReaderOptions): Promise<PrometheusReader> {
    const reader = new PrometheusReader(options);
    const now = Math.floor(Date.now() / 1000);
    await reader.queryRange("vector(1)", now, now, 60);
    return reader;
  }

  async range(query: RangeQuery): Promise<Series[]> {
    const step = query.stepSeconds;
    const matchers = Object.entries(query.match ?? {}).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    const promql = `${OVER_TIME[query.aggregate]}(${query.metric}{${matchers.join(",")}}[${step}s])`;
    const firstStart = Math.floor(query.from / step) * step;
    const lastStart = Math.ceil(query.to / step) * step - step;
    const bySeries = new Map<string, { labels: Record<string, string>; t: number[]; v: number[] }>();
    for (let start = firstStart; start <= lastStart; start += MAX_POINTS * step) {
      const end = Math.min(lastStart, start + (MAX_POINTS - 1) * step);
      for (const result of await this.queryRange(promql, start + step, end + step, step)) {
        const { __name__: _, ...labels } = result.metric;
        const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
        let out = bySeries.get(key);
        if (!out) {
          out = { labels, t: [], v: [] };
          bySeries.set(key, out);
        }
        for (const [time, text] of result.values) {
          const value = Number(text);
          if (!Number.isFinite(value)) continue;
          out.t.push(time - step);
          out.v.push(value);
        }
      }
    }
    return [...bySeries.values()]
      .filter((s) => s.t.length > 0)
      .map((s) => ({ labels: s.labels, timestamps: Float64Array.from(s.t), values: Float64Array.from(s.v) }));
  }

  private async queryRange(promql: string, start: number, end: number, step: number) {
    const params = new URLSearchParams({ query: promql, start: String(start), end: String(end), step: `${step}s` });
    const url = `${this.options.url.replace(/\/+$/, "")}/api/v1/query_range`;
    const response = await fetch(url, {
      method: "POST",
      body: params,
      signal: AbortSignal.timeout(this.options.timeoutSeconds * 1000),
    }).catch((err) => {
      throw new Error(`no Prometheus-compatible query API answers at ${url} (${failureReason(err)})`);
    });
    const body = (await response.json().catch(() => null)) as QueryRangeResponse | null;
    if (!response.ok || body?.status !== "success") {
      throw new Error(`query_range at ${url} failed: ${body?.error ?? `HTTP ${response.status}`} (query ${promql})`);
    }
    return body.data?.result ?? [];
  }

  async close(): Promise<void> {}
}
