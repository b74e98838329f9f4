import { waitFor } from "./process.ts";

/** One series of a Prometheus-style query result: `value` for instant vectors, `values` for matrices. */
export interface PromSeries {
  metric: Record<string, string>;
  value?: [number, string];
  values?: Array<[number, string]>;
}

/** The query side of the Prometheus HTTP API, shared by the Prometheus and VictoriaMetrics helpers. */
export interface PromQueryApi {
  /** Instant query; returns `data.result`. */
  query(promql: string, time?: Date): Promise<PromSeries[]>;
  /** Range query; `step` in seconds or as a duration string such as "1s". */
  queryRange(promql: string, start: Date, end: Date, step: number | string): Promise<PromSeries[]>;
  /** Repeats an instant query until `predicate` accepts the result, and returns that result. */
  waitForQuery(promql: string, predicate: (result: PromSeries[]) => boolean, timeoutMs: number): Promise<PromSeries[]>;
}

/** `beforeQuery` runs before every request, e.g. to make a TSDB flush recently ingested samples. */
export function promQueryApi(baseUrl: string, beforeQuery?: () => Promise<void>): PromQueryApi {
  const get = async (path: string, params: Record<string, string>): Promise<PromSeries[]> => {
    await beforeQuery?.();
    const response = await fetch(`${baseUrl}${path}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
    if (body.status !== "success") throw new Error(`${path} ${params.query}: ${body.error ?? response.status}`);
    return body.data!.result;
  };
  const api: PromQueryApi = {
    query: (promql, time) =>
      get("/api/v1/query", { query: promql, ...(time && { time: String(time.getTime() / 1000) }) }),
    queryRange: (promql, start, end, step) =>
      get("/api/v1/query_range", {
        query: promql,
        start: String(start.getTime() / 1000),
        end: String(end.getTime() / 1000),
        step: String(step),
      }),
    waitForQuery: (promql, predicate, timeoutMs) =>
      waitFor(
        async () => {
          const result = await api.query(promql);
          return predicate(result) ? result : undefined;
        },
        { timeoutMs, what: `query ${promql} at ${baseUrl}`, intervalMs: 250 },
      ),
  };
  return api;
}
