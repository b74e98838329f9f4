/**
 * InfluxQL SELECTs for the InfluxDB history store, answered in chunks: InfluxDB streams a chunked
 * answer a chunk at a time instead of building it whole in memory first (and no [http]
 * max-row-limit cuts it short), and the client parses one small document per chunk. Times come as
 * epoch numbers, never formatted dates. The client reads an answer whole, then its lines: decoding
 * the stream piece by piece cost it more CPU in one measurement (5.9–6.7 s against 5.5 s for a
 * 4-day, 300-volume report, at a load average of 12–16).
 */
import { failureReason } from "../lib/failure-reason.ts";

/** One series of an answer, or a part of one: a long series arrives over several chunks, in time order. */
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

interface InfluxChunk {
  error?: string;
  results?: Array<{ statement_id?: number; error?: string; series?: InfluxSeries[] }>;
}

export interface InfluxQueryTarget {
  /** Base URL, no trailing slash. */
  base: string;
  database: string;
  headers: Record<string, string>;
  timeoutSeconds: number;
}

/** Rows per chunk (InfluxDB's own default). */
const CHUNK_ROWS = 10_000;

/**
 * Runs a SELECT (or several, separated by semicolons, in one request), handing each series (part)
 * to `each` with its statement's index, in the order InfluxDB sends them; fails naming InfluxDB and
 * what it said, or why it could not be asked.
 */
export async function selectChunked(
  target: InfluxQueryTarget,
  sql: string,
  epoch: "ms" | "s",
  each: (series: InfluxSeries, statement: number) => void,
): Promise<void> {
  const fail = (why: string) => new Error(`InfluxDB at ${target.base} ${why}`);
  const body = new URLSearchParams({
    db: target.database,
    q: sql,
    epoch,
    chunked: "true",
    chunk_size: String(CHUNK_ROWS),
  });
  let response: Response;
  try {
    response = await fetch(`${target.base}/query`, {
      method: "POST",
      body,
      headers: target.headers,
      signal: AbortSignal.timeout(target.timeoutSeconds * 1000),
    });
  } catch (err) {
    throw fail(`did not answer a query: ${failureReason(err)}`);
  }
  if (!response.ok || !response.body) {
    const detail = (await response.text().catch(() => "")).slice(0, 500);
    throw fail(`refused a query (HTTP ${response.status}): ${detail}`);
  }
  const chunk = (line: string) => {
    let answer: InfluxChunk;
    try {
      answer = JSON.parse(line) as InfluxChunk;
    } catch {
      throw fail(`answered a query with something that is not JSON: ${line.slice(0, 200)}`);
    }
    if (answer.error) throw fail(`refused a query: ${answer.error}`);
    for (const result of answer.results ?? []) {
      if (result.error) throw fail(`refused a query: ${result.error}`);
      for (const series of result.series ?? []) each(series, result.statement_id ?? 0);
    }
  };
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    throw fail(`broke off an answer: ${failureReason(err)}`);
  }
  for (let start = 0; start < text.length; ) {
    const found = text.indexOf("\n", start);
    const end = found < 0 ? text.length : found;
    if (end > start) chunk(text.slice(start, end));
    start = end + 1;
  }
}
