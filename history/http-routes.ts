/**
 * Range queries over HTTP, served by a running stack from the store it writes. DuckDB lets one
 * process hold a file for writing, so a report run while `rpowatch start` records reads through
 * these routes instead of opening the file. Mounted on the exporter app, so behind its auth seam.
 *
 * `GET /api/history` → `{ store }`, the file served (a client checks it reads the store it meant).
 * `GET /api/history/range?metric=&match={json}&from=&to=&step=&aggregate=` →
 * `{ series: [{ labels, timestamps, values }] }`, the `HistoryReader.range` answer as JSON.
 */
import { type Request, Router } from "express";
import { AGGREGATES, type Aggregate, type HistoryReader, type RangeQuery } from "./store.ts";

export const HISTORY_PATH = "/api/history";

class BadQuery extends Error {}

function number(req: Request, name: string): number {
  const text = req.query[name];
  const value = typeof text === "string" && text !== "" ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) throw new BadQuery(`query parameter ${name} must be a number, got ${String(text)}`);
  return value;
}

/** The query of a range request; a missing or malformed parameter is named in a BadQuery. */
export function parseRangeQuery(req: Request): RangeQuery {
  const { metric, match, aggregate } = req.query;
  if (typeof metric !== "string" || metric === "") throw new BadQuery("query parameter metric is required");
  if (typeof aggregate !== "string" || !(AGGREGATES as readonly string[]).includes(aggregate)) {
    throw new BadQuery(`query parameter aggregate must be one of ${AGGREGATES.join(", ")}`);
  }
  let matchers: Record<string, string> | undefined;
  if (match !== undefined) {
    try {
      matchers = JSON.parse(String(match)) as Record<string, string>;
    } catch {
      throw new BadQuery("query parameter match must be a JSON object of label values");
    }
    if (typeof matchers !== "object" || matchers === null || Object.values(matchers).some((v) => typeof v !== "string"))
      throw new BadQuery("query parameter match must be a JSON object of label values");
  }
  const stepSeconds = number(req, "step");
  if (stepSeconds <= 0) throw new BadQuery("query parameter step must be positive");
  return {
    metric,
    ...(matchers && { match: matchers }),
    from: number(req, "from"),
    to: number(req, "to"),
    stepSeconds,
    aggregate: aggregate as Aggregate,
  };
}

export function historyRouter(reader: HistoryReader, store: string): Router {
  const router = Router();
  router.get(HISTORY_PATH, (_req, res) => {
    res.json({ store });
  });
  router.get(`${HISTORY_PATH}/range`, async (req, res) => {
    let query: RangeQuery;
    try {
      query = parseRangeQuery(req);
    } catch (err) {
      res
        .status(400)
        .type("text/plain")
        .send(`${(err as Error).message}\n`);
      return;
    }
    try {
      const series = await reader.range(query);
      res.json({
        series: series.map((s) => ({
          labels: s.labels,
          timestamps: Array.from(s.timestamps),
          values: Array.from(s.values),
        })),
      });
    } catch (err) {
      res
        .status(500)
        .type("text/plain")
        .send(`${(err as Error).message}\n`);
    }
  });
  return router;
}
