/**
 * A HistoryReader over a running stack's history routes (history/http-routes.ts): how a report
 * reads the store a running `rpowatch start` holds open for writing.
 */
import { failureReason } from "../lib/failure-reason.ts";
import { HISTORY_PATH } from "./http-routes.ts";
import type { HistoryReader, RangeQuery, Series } from "./store.ts";

interface WireSeries {
  labels: Record<string, string>;
  timestamps: number[];
  values: number[];
}

export class HttpHistoryReader implements HistoryReader {
  private constructor(
    private readonly base: string,
    /** The store file the stack serves, as it names it. */
    readonly store: string,
  ) {}

  /** Asks the stack at `url` which store it serves; fails naming the address when none answers. */
  static async connect(url: string): Promise<HttpHistoryReader> {
    const base = url.replace(/\/+$/, "");
    let response: Response;
    try {
      response = await fetch(`${base}${HISTORY_PATH}`);
    } catch (err) {
      throw new Error(`no rpowatch stack answers at ${base} (${failureReason(err)})`);
    }
    if (!response.ok) {
      throw new Error(
        `the stack at ${base} serves no history (HTTP ${response.status} for ${HISTORY_PATH}; is history off in its configuration?)`,
      );
    }
    const { store } = (await response.json()) as { store: string };
    return new HttpHistoryReader(base, store);
  }

  async range(query: RangeQuery): Promise<Series[]> {
    const params = new URLSearchParams({
      metric: query.metric,
      from: String(query.from),
      to: String(query.to),
      step: String(query.stepSeconds),
      aggregate: query.aggregate,
      ...(query.match && { match: JSON.stringify(query.match) }),
    });
    const response = await fetch(`${this.base}${HISTORY_PATH}/range?${params}`);
    if (!response.ok) {
      throw new Error(`the stack at ${this.base} refused a history query: ${(await response.text()).trim()}`);
    }
    const { series } = (await response.json()) as { series: WireSeries[] };
    return series.map((s) => ({
      labels: s.labels,
      timestamps: Float64Array.from(s.timestamps),
      values: Float64Array.from(s.values),
    }));
  }

  async close(): Promise<void> {}
}
