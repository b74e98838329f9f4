/**
 * The embedded history store: one DuckDB file, no server. Each metric has three tables, one per
 * tier (raw samples, 1-minute and 1-hour partial aggregates), so a query over one metric never
 * scans another's rows, and rows are appended in time order so a time range prunes row groups.
 *
 * How tiers stay exact. Every write takes the next sequence number, stored as each row's `batch`.
 * A rollup pass of a tier aggregates the source rows it has not seen, i.e. those before its new
 * bucket boundary `upper` that are either at or after the previous boundary or written after the
 * previous pass (late rows, e.g. replayed from the buffer). So each source row is aggregated
 * exactly once, and a late row adds a second partial row to its bucket instead of rewriting it;
 * readers fold partial rows with min of mins, sum of sums, sum of counts and the last by time.
 * A row leaves a tier (retention) only once the next tier holds it.
 */
import {
  DOUBLE,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBResult,
  type DuckDBVector,
  INTEGER,
} from "@duckdb/node-api";
import { StepFold } from "./step-fold.ts";
import {
  type Aggregate,
  type HistoryReader,
  type HistorySample,
  type HistoryWriter,
  type RangeQuery,
  type Series,
  storable,
} from "./store.ts";
import { DEFAULT_RETENTION, TIER_WIDTH, type TierRetention, tiersForStep } from "./tiers.ts";

export class HistoryStoreError extends Error {}

export interface EmbeddedStoreOptions {
  /** Opens the file for reading only (reports). DuckDB lets one process open a file for writing, or many for reading. */
  readOnly?: boolean;
  retention?: TierRetention;
  /** Unix seconds now; tests pass a fixed clock. */
  now?: () => number;
}

/** State of one downsampled tier of one metric: the boundary and last source batch of its latest pass. */
interface TierState {
  upper: number;
  batch: number;
}

interface MetricTables {
  id: number;
  /** Canonical label text → series id. */
  series: Map<string, number>;
  minute: TierState;
  hour: TierState;
}

/**
 * A reader (a report) scans each row once, so DuckDB's cache of file blocks only costs memory: by
 * default it grows up to 80 % of RAM, over 500 MB while a month of 1,000 volumes is read. Row
 * scans and the small tier-state queries need little working memory.
 */
const READ_ONLY_CONFIG = { access_mode: "READ_ONLY", memory_limit: "64MB" };

/** One write's raw rows of one metric, column by column. */
interface RawRows {
  ids: number[];
  ts: number[];
  values: number[];
}

/** Rows per appended data chunk: DuckDB's vector size, the most a chunk holds. */
const CHUNK_ROWS = 2048;

/** Label sets in one canonical text (sorted names), the series' identity. */
function labelKey(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  return JSON.stringify(names.map((n) => [n, labels[n]]));
}

function labelsFromKey(key: string): Record<string, string> {
  return Object.fromEntries(JSON.parse(key) as Array<[string, string]>);
}

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`;
const rawTable = (m: number) => `raw_${m}`;
const tierTable = (m: number, tier: "minute" | "hour") => `${tier === "minute" ? "m1" : "h1"}_${m}`;

/** Runs async tasks one at a time, in call order. */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => {});
    return result;
  }
}

function explainOpenFailure(path: string, err: unknown): HistoryStoreError {
  const reason = (err as Error).message;
  const why = /lock/i.test(reason)
    ? "another process holds it (a running rpowatch start or collect writes it; stop it or read through its store)"
    : "it is not a DuckDB database or it is damaged; move it aside to start a new history, or restore it from a backup";
  return new HistoryStoreError(`history store ${path} cannot be opened: ${why} (${reason.split("\n")[0]})`);
}

export class EmbeddedStore implements HistoryWriter, HistoryReader {
  private readonly metricsByName = new Map<string, MetricTables>();
  private readonly labelsById = new Map<number, Readonly<Record<string, string>>>();
  /** Fast path: the writer hands the same label object for an entity snapshot after snapshot. */
  private readonly idsByLabels = new WeakMap<object, Map<string, number>>();
  private readonly serial = new Serial();
  private seq = 0;
  private nextMetricId = 0;
  private nextSeriesId = 0;
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly options: Required<Omit<EmbeddedStoreOptions, "readOnly">> & { readOnly: boolean },
  ) {}

  /** Opens (creating when absent, unless read-only) the store file at `path`. */
  static async open(path: string, options: EmbeddedStoreOptions = {}): Promise<EmbeddedStore> {
    const readOnly = options.readOnly ?? false;
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, readOnly ? READ_ONLY_CONFIG : {});
    } catch (err) {
      throw explainOpenFailure(path, err);
    }
    const connection = await instance.connect();
    const store = new EmbeddedStore(path, instance, connection, {
      readOnly,
      retention: options.retention ?? DEFAULT_RETENTION,
      now: options.now ?? (() => Date.now() / 1000),
    });
    try {
      await store.load();
    } catch (err) {
      connection.closeSync();
      instance.closeSync();
      throw err instanceof HistoryStoreError ? err : explainOpenFailure(path, err);
    }
    return store;
  }

  private async load(): Promise<void> {
    if (!this.options.readOnly) {
      await this.connection.run(`
        CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value BIGINT);
        CREATE TABLE IF NOT EXISTS metrics (id INTEGER, name VARCHAR);
        CREATE TABLE IF NOT EXISTS series (id INTEGER, metric INTEGER, labels VARCHAR);
        CREATE TABLE IF NOT EXISTS tiers (metric INTEGER, tier VARCHAR, upper DOUBLE, batch INTEGER);
      `);
    }
    const tables = await this.rows("SELECT table_name FROM information_schema.tables");
    const names = new Set(tables.map((r) => String(r[0])));
    for (const t of ["meta", "metrics", "series", "tiers"]) {
      if (!names.has(t))
        throw new HistoryStoreError(`history store ${this.path} is not an rpowatch history (no ${t} table)`);
    }
    const seq = await this.rows("SELECT value FROM meta WHERE key = 'seq'");
    this.seq = seq.length > 0 ? Number(seq[0]![0]) : 0;
    for (const [id, name] of await this.rows("SELECT id, name FROM metrics")) {
      const empty = { upper: 0, batch: 0 };
      this.metricsByName.set(String(name), { id: Number(id), series: new Map(), minute: empty, hour: { ...empty } });
      this.nextMetricId = Math.max(this.nextMetricId, Number(id) + 1);
    }
    const byId = new Map([...this.metricsByName.values()].map((m) => [m.id, m]));
    for (const [metric, tier, upper, batch] of await this.rows("SELECT metric, tier, upper, batch FROM tiers")) {
      const m = byId.get(Number(metric));
      if (m && (tier === "minute" || tier === "hour")) m[tier] = { upper: Number(upper), batch: Number(batch) };
    }
    for (const [id, metric, labels] of await this.rows("SELECT id, metric, labels FROM series")) {
      byId.get(Number(metric))?.series.set(String(labels), Number(id));
      this.labelsById.set(Number(id), labelsFromKey(String(labels)));
      this.nextSeriesId = Math.max(this.nextSeriesId, Number(id) + 1);
    }
  }

  private async rows(sql: string, connection = this.connection): Promise<unknown[][]> {
    return (await connection.runAndReadAll(sql)).getRows() as unknown[][];
  }

  write(samples: readonly HistorySample[]): Promise<void> {
    if (this.options.readOnly) return Promise.reject(new HistoryStoreError(`history store ${this.path} is read-only`));
    return this.serial.run(() => this.writeNow(samples));
  }

  private async writeNow(samples: readonly HistorySample[]): Promise<void> {
    this.assertOpen();
    const newMetrics: Array<[string, MetricTables]> = [];
    const newSeries: Array<{ metric: MetricTables; key: string; id: number; labels: HistorySample["labels"] }> = [];
    const pendingMetrics = new Map<string, MetricTables>();
    const pendingSeries = new Map<string, number>();
    /** Ids looked up by label text in this write, remembered by label object once it commits. */
    const resolved = new Map<object, Map<string, number>>();
    const rowsByMetric = new Map<MetricTables, RawRows>();
    const firstMetricId = this.nextMetricId;
    const firstSeriesId = this.nextSeriesId;

    for (const sample of samples) {
      if (!storable(sample)) continue;
      let metric = this.metricsByName.get(sample.metric) ?? pendingMetrics.get(sample.metric);
      if (!metric) {
        metric = {
          id: this.nextMetricId++,
          series: new Map(),
          minute: { upper: 0, batch: 0 },
          hour: { upper: 0, batch: 0 },
        };
        pendingMetrics.set(sample.metric, metric);
        newMetrics.push([sample.metric, metric]);
      }
      let id =
        this.idsByLabels.get(sample.labels)?.get(sample.metric) ?? resolved.get(sample.labels)?.get(sample.metric);
      if (id === undefined) {
        const key = labelKey(sample.labels);
        id = metric.series.get(key) ?? pendingSeries.get(`${metric.id}\n${key}`);
        if (id === undefined) {
          id = this.nextSeriesId++;
          pendingSeries.set(`${metric.id}\n${key}`, id);
          newSeries.push({ metric, key, id, labels: sample.labels });
        }
        const ids = resolved.get(sample.labels) ?? new Map<string, number>();
        ids.set(sample.metric, id);
        resolved.set(sample.labels, ids);
      }
      let rows = rowsByMetric.get(metric);
      if (!rows) {
        rows = { ids: [], ts: [], values: [] };
        rowsByMetric.set(metric, rows);
      }
      rows.ids.push(id);
      rows.ts.push(sample.timestamp);
      rows.values.push(sample.value);
    }
    if (rowsByMetric.size === 0) return;

    const batch = this.seq + 1;
    await this.connection.run("BEGIN TRANSACTION");
    try {
      for (const [name, m] of newMetrics) {
        const tier = (t: string) =>
          `CREATE TABLE ${t} (series INTEGER, ts DOUBLE, min DOUBLE, max DOUBLE, sum DOUBLE, count BIGINT, last DOUBLE, last_ts DOUBLE, batch INTEGER);`;
        await this.connection.run(`
          INSERT INTO metrics VALUES (${m.id}, ${sqlText(name)});
          CREATE TABLE ${rawTable(m.id)} (series INTEGER, ts DOUBLE, value DOUBLE, batch INTEGER);
          ${tier(tierTable(m.id, "minute"))}
          ${tier(tierTable(m.id, "hour"))}
          INSERT INTO tiers VALUES (${m.id}, 'minute', 0, 0), (${m.id}, 'hour', 0, 0);
        `);
      }
      if (newSeries.length > 0) {
        const appender = await this.connection.createAppender("series");
        for (const s of newSeries) {
          appender.appendInteger(s.id);
          appender.appendInteger(s.metric.id);
          appender.appendVarchar(s.key);
          appender.endRow();
        }
        appender.closeSync();
      }
      for (const [metric, rows] of rowsByMetric) await this.appendRaw(rawTable(metric.id), rows, batch);
      await this.setSeq(batch);
      await this.connection.run("COMMIT");
    } catch (err) {
      await this.connection.run("ROLLBACK").catch(() => {});
      this.nextMetricId = firstMetricId;
      this.nextSeriesId = firstSeriesId;
      throw err;
    }
    this.seq = batch;
    for (const [name, m] of newMetrics) this.metricsByName.set(name, m);
    for (const s of newSeries) {
      s.metric.series.set(s.key, s.id);
      this.labelsById.set(s.id, labelsFromKey(s.key));
    }
    for (const [labels, ids] of resolved) {
      const known = this.idsByLabels.get(labels);
      if (known) for (const [metric, id] of ids) known.set(metric, id);
      else this.idsByLabels.set(labels, ids);
    }
  }

  /**
   * Appends raw rows a data chunk at a time: the values are copied into each column's vector in
   * JS and handed over once per chunk, not once per value (several times faster than appending
   * value by value).
   */
  private async appendRaw(table: string, rows: RawRows, batch: number): Promise<void> {
    const appender = await this.connection.createAppender(table);
    const chunk = DuckDBDataChunk.create([INTEGER, DOUBLE, DOUBLE, INTEGER]);
    for (let start = 0; start < rows.ids.length; start += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows.ids.length - start);
      chunk.reset();
      chunk.rowCount = count;
      const columns = [0, 1, 2, 3].map((c) => chunk.getColumnVector(c) as DuckDBVector<number>);
      const [ids, ts, values, batches] = columns as [
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
      ];
      for (let i = 0; i < count; i++) {
        ids.setItem(i, rows.ids[start + i]!);
        ts.setItem(i, rows.ts[start + i]!);
        values.setItem(i, rows.values[start + i]!);
        batches.setItem(i, batch);
      }
      for (const column of columns) column.flush();
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
  }

  private async setSeq(value: number): Promise<void> {
    await this.connection.run(`DELETE FROM meta WHERE key = 'seq'; INSERT INTO meta VALUES ('seq', ${value});`);
  }

  /**
   * Rolls raw rows up into the 1-minute tier and minute rows into the hourly tier, then applies
   * each tier's retention. The writer calls this every minute; it is idempotent.
   */
  maintain(): Promise<void> {
    if (this.options.readOnly) return Promise.resolve();
    return this.serial.run(async () => {
      this.assertOpen();
      const now = this.options.now();
      const minuteUpper = Math.floor((now - TIER_WIDTH.minute) / TIER_WIDTH.minute) * TIER_WIDTH.minute;
      for (const metric of this.metricsByName.values()) {
        await this.rollUp(metric, "minute", minuteUpper);
        await this.rollUp(metric, "hour", Math.floor(metric.minute.upper / TIER_WIDTH.hour) * TIER_WIDTH.hour);
        await this.applyRetention(metric, now);
      }
    });
  }

  private async rollUp(metric: MetricTables, tier: "minute" | "hour", proposedUpper: number): Promise<void> {
    const previous = metric[tier];
    const upper = Math.max(previous.upper, proposedUpper);
    const pass = this.seq + 1;
    // Every source row of a batch up to this one has been committed: writes and passes are serial.
    const sourceBatch = this.seq;
    const width = TIER_WIDTH[tier];
    const [source, folds] =
      tier === "minute"
        ? [rawTable(metric.id), "min(value), max(value), sum(value), count(*), arg_max(value, ts), max(ts)"]
        : [
            tierTable(metric.id, "minute"),
            "min(min), max(max), sum(sum), sum(count), arg_max(last, last_ts), max(last_ts)",
          ];
    await this.connection.run("BEGIN TRANSACTION");
    try {
      await this.connection.run(`
        INSERT INTO ${tierTable(metric.id, tier)}
        SELECT series, floor(ts / ${width}) * ${width} AS bucket, ${folds}, ${pass}
        FROM ${source}
        WHERE ts < ${upper} AND (ts >= ${previous.upper} OR batch > ${previous.batch}) AND batch <= ${sourceBatch}
        GROUP BY series, bucket ORDER BY bucket;
        UPDATE tiers SET upper = ${upper}, batch = ${sourceBatch} WHERE metric = ${metric.id} AND tier = '${tier}';
      `);
      await this.setSeq(pass);
      await this.connection.run("COMMIT");
    } catch (err) {
      await this.connection.run("ROLLBACK").catch(() => {});
      throw err;
    }
    this.seq = pass;
    metric[tier] = { upper, batch: sourceBatch };
  }

  private async applyRetention(metric: MetricTables, now: number): Promise<void> {
    const r = this.options.retention;
    const { minute, hour } = metric;
    await this.connection.run(`
      DELETE FROM ${rawTable(metric.id)} WHERE ts < ${Math.min(now - r.raw, minute.upper)} AND batch <= ${minute.batch};
      DELETE FROM ${tierTable(metric.id, "minute")} WHERE ts < ${Math.min(now - r.minute, hour.upper)} AND batch <= ${hour.batch};
      DELETE FROM ${tierTable(metric.id, "hour")} WHERE ts < ${now - r.hour};
    `);
  }

  async range(query: RangeQuery): Promise<Series[]> {
    this.assertOpen();
    if (!(query.stepSeconds > 0))
      throw new HistoryStoreError(`range query step must be positive, got ${query.stepSeconds}`);
    const metric = this.metricsByName.get(query.metric);
    if (!metric) return [];
    const ids = this.matchingSeries(metric, query.match);
    if (ids?.length === 0) return [];

    const connection = await this.instance.connect();
    try {
      await connection.run("BEGIN TRANSACTION");
      // The tier state read in the same transaction as the rows: a concurrent rollup is seen whole or not at all.
      const state = await this.rows(`SELECT tier, upper, batch FROM tiers WHERE metric = ${metric.id}`, connection);
      const tiers = Object.fromEntries(state.map(([t, u, b]) => [String(t), { upper: Number(u), batch: Number(b) }]));
      const sql = rangeSql(metric.id, query, ids, tiers as Record<"minute" | "hour", TierState>);
      // Streamed, not materialized, and folded in JS: a day of 1-minute steps for 1,000 series is 1.4 million rows.
      const result = await connection.stream(sql);
      const series = await this.collect(result, query);
      await connection.run("COMMIT");
      return series;
    } finally {
      connection.closeSync();
    }
  }

  private matchingSeries(metric: MetricTables, match: RangeQuery["match"]): number[] | null {
    const wanted = Object.entries(match ?? {});
    if (wanted.length === 0) return null;
    const ids: number[] = [];
    for (const id of metric.series.values()) {
      const labels = this.labelsById.get(id)!;
      if (wanted.every(([k, v]) => labels[k] === v)) ids.push(id);
    }
    // Every series matching (one tenant's report) needs no filter: a long IN list is joined, which
    // costs time and gives the rows back out of time order.
    return ids.length === metric.series.size ? null : ids;
  }

  private async collect(result: DuckDBResult, query: RangeQuery): Promise<Series[]> {
    const fold = new StepFold(query.from, query.to, query.stepSeconds, query.aggregate);
    for (let chunk = await result.fetchChunk(); chunk; chunk = await result.fetchChunk()) {
      const rows = chunk.rowCount;
      if (rows === 0) break;
      const [ids, ts, v, w] = [0, 1, 2, 3].map((c) => chunk.getColumnVector(c) as DuckDBVector<number>) as [
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
        DuckDBVector<number>,
      ];
      for (let i = 0; i < rows; i++) fold.add(ids.getItem(i)!, ts.getItem(i)!, v.getItem(i)!, w.getItem(i)!);
    }
    return fold.series((id) => this.labelsById.get(id) ?? {});
  }

  private assertOpen(): void {
    if (this.closed) throw new HistoryStoreError(`history store ${this.path} is closed`);
  }

  close(): Promise<void> {
    return this.serial.run(async () => {
      if (this.closed) return;
      this.closed = true;
      if (!this.options.readOnly) await this.connection.run("CHECKPOINT");
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }
}

/**
 * Per aggregate: the partial value and weight columns of a raw row and of a tier row (see
 * StepFold), all DOUBLE so every row reads alike.
 */
const PARTIALS: Record<Aggregate, { raw: string; tier: string }> = {
  min: { raw: "value AS v, 0::DOUBLE AS w", tier: "min AS v, 0::DOUBLE AS w" },
  max: { raw: "value AS v, 0::DOUBLE AS w", tier: "max AS v, 0::DOUBLE AS w" },
  mean: { raw: "value AS v, 1::DOUBLE AS w", tier: "sum AS v, count::DOUBLE AS w" },
  last: { raw: "value AS v, ts AS w", tier: "last AS v, last_ts AS w" },
};

/**
 * The SQL of a range query: the rows of each tier that holds its part of the range (hourly rows,
 * then minute rows the hourly tier has not taken, then raw rows the minute tier has not taken),
 * as partial rows for StepFold to fold per series and step.
 */
function rangeSql(
  metric: number,
  q: RangeQuery,
  ids: number[] | null,
  tiers: Record<"minute" | "hour", TierState>,
): string {
  const usable = tiersForStep(q.stepSeconds);
  const partial = PARTIALS[q.aggregate];
  const seriesFilter = ids ? ` AND series IN (${ids.join(",")})` : "";
  const inRange = `ts >= ${q.from} AND ts < ${q.to}${seriesFilter}`;
  const notTakenBy = (t: TierState) => ` AND (ts >= ${t.upper} OR batch > ${t.batch})`;
  const parts: string[] = [];
  if (usable.hour) parts.push(`SELECT series, ts, ${partial.tier} FROM ${tierTable(metric, "hour")} WHERE ${inRange}`);
  if (usable.minute) {
    parts.push(
      `SELECT series, ts, ${partial.tier} FROM ${tierTable(metric, "minute")} WHERE ${inRange}${usable.hour ? notTakenBy(tiers.hour) : ""}`,
    );
  }
  parts.push(
    `SELECT series, ts, ${partial.raw} FROM ${rawTable(metric)} WHERE ${inRange}${usable.minute ? notTakenBy(tiers.minute) : ""}`,
  );
  return parts.join(" UNION ALL ");
}
