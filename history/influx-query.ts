/**
 * InfluxQL SELECTs for the InfluxDB history store, answered in chunks: InfluxDB streams a chunked
 * answer a chunk at a time instead of building it whole in memory first (and no [http]
 * max-row-limit cuts it short), and the client folds each chunk as it arrives instead of parsing one
 * document of a day's rows. Times come as epoch numbers, never formatted dates.
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
  results?: Array<{ error?: string; series?: InfluxSeries[] }>;
}

export interface InfluxQueryTarget {
  /** Base URL, no trailing slash. */
  base: string;
  database: string;
  headers: Record<string, string>;
  timeoutSeconds: number;
}

/** What InfluxDB said or failed to say, as opposed to a fault of the stream under it. */
class AnswerError extends Error {}

/** Rows per chunk (InfluxDB's own default). */
const CHUNK_ROWS = 10_000;

/**
 * Runs a SELECT, handing each series (part) to `each` in the order InfluxDB sends them; fails
 * naming InfluxDB and what it said, or why it could not be asked.
 */
export async function selectChunked(
  target: InfluxQueryTarget,
  sql: string,
  epoch: "ms" | "s",
  each: (series: InfluxSeries) => void,
): Promise<void> {
  const fail = (why: string) => new AnswerError(`InfluxDB at ${target.base} ${why}`);
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
      for (const series of result.series ?? []) each(series);
    }
  };
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const piece of response.body) {
      pending += decoder.decode(piece, { stream: true });
      let start = 0;
      for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n", start)) {
        if (end > start) chunk(pending.slice(start, end));
        start = end + 1;
      }
      pending = pending.slice(start);
    }
  } catch (err) {
    if (err instanceof AnswerError) throw err;
    throw fail(`broke off an answer: ${failureReason(err)}`);
  }
  pending += decoder.decode();
  if (pending.trim()) chunk(pending);
}
