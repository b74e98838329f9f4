/**
 * The InfluxDB 1.x history store (also the v1-compatible API of InfluxDB 2 and 3), through the
 * `influx` package for the schema and queries. Measurements, the `value` field and tags are those
 * of dashboards/influx-schema.ts.
 *
 * Points go out as line protocol built here (history/influx-lines.ts: a series' key is escaped once,
 * not per point), in requests of WRITE_CHUNK lines, two in flight so InfluxDB parses one while the
 * next is on its way.
 *
 * Tiers are retention policies: `raw` (the default policy), `m1` and `h1`, whose points hold the
 * fields min, max, sum, count and last of their bucket. Continuous queries fill them, resampling
 * the last 10 minutes (m1) and 2 hours (h1) so slightly late points are counted. A write of older
 * points (a buffer replay, a backfill) recomputes its span of both tiers, as InfluxDB replaces a
 * point of the same series and time: the minute buckets in the client from the raw points InfluxDB
 * holds for the span (a SELECT … INTO grouped by minute costs InfluxDB many times the write
 * itself), the hours the span covers whole from those minutes, and a partly covered hour by
 * SELECT … INTO from its minutes. Points older than the raw retention are refused by InfluxDB.
 *
 * Readers take each part of a range from the coarsest tier the step allows whose buckets are
 * final: hourly buckets up to two hours ago, minute buckets up to two minutes ago, raw after. At a
 * step of the tier's own width the buckets are read as stored, with no grouping by time.
 */
import { InfluxDB } from "influx";
import { failureReason } from "../lib/failure-reason.ts";
import { bucketLine, LineEncoder, seriesKey } from "./influx-lines.ts";
import { type InfluxQueryTarget, selectChunked } from "./influx-query.ts";
import { foldBuckets, foldPoints } from "./influx-rollup.ts";
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

export interface InfluxStoreOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  timeoutSeconds: number;
  retention: TierRetention;
  now?: () => number;
}

const FIELD = "value";
/**
 * Lines per write request, and requests in flight: on the 2-core test machine 20,000 lines two at a
 * time took about twice the points/s of 5,000 one at a time; gzip took more CPU than it saved.
 */
const WRITE_CHUNK = 20_000;
const WRITERS = 2;
/** Seconds of an old span recomputed per read of its raw points, bounding what one answer holds. */
const RECOMPUTE_WINDOW = 6 * 3600;
const POLICIES = { raw: "raw", minute: "m1", hour: "h1" } as const;
/** How far back the continuous queries recompute their tier on each run. */
const RESAMPLE = { minute: 600, hour: 7200 } as const;
/** Buckets older than this are final in each tier (the continuous queries have run over them). */
const FINAL_AFTER = { minute: 120, hour: 7200 } as const;

const quoteIdent = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
const quoteText = (s: string) => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
const seconds = (s: number) => `${Math.round(s)}s`;

/** Per aggregate: the select over raw points and over tier points. */
const SELECTS: Record<Aggregate, { raw: string; tier: string }> = {
  min: { raw: `min(${FIELD})`, tier: "min(min)" },
  max: { raw: `max(${FIELD})`, tier: "max(max)" },
  mean: { raw: `mean(${FIELD})`, tier: 'sum("sum") / sum("count")' },
  last: { raw: `last(${FIELD})`, tier: "last(last)" },
};
/** Per aggregate: the stored fields that answer it at a step of one bucket. */
const STORED: Record<Aggregate, string> = { min: '"min"', max: '"max"', mean: '"sum", "count"', last: '"last"' };

export class InfluxStore implements HistoryWriter, HistoryReader {
  private readonly client: InfluxDB;
  private readonly now: () => number;
  private readonly base: string;
  private readonly headers: Record<string, string>;
  private readonly target: InfluxQueryTarget;
  private readonly lines = new LineEncoder();
  private ready: Promise<void> | null = null;

  constructor(private readonly options: InfluxStoreOptions) {
    const url = new URL(options.url);
    this.client = new InfluxDB({
      host: url.hostname,
      port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
      protocol: url.protocol === "https:" ? "https" : "http",
      ...(url.pathname !== "/" && { path: url.pathname }),
      database: options.database,
      ...(options.username && { username: options.username }),
      ...(options.password && { password: options.password }),
      // The buffer retries; the pool must not hold a write for its own retries.
      pool: { maxRetries: 0, requestTimeout: options.timeoutSeconds * 1000 },
    });
    this.now = options.now ?? (() => Date.now() / 1000);
    this.base = options.url.replace(/\/+$/, "");
    const auth = options.username && `${options.username}:${options.password ?? ""}`;
    this.headers = auth ? { authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {};
    this.target = {
      base: this.base,
      database: options.database,
      headers: this.headers,
      timeoutSeconds: options.timeoutSeconds,
    };
  }

  /**
   * Opens a database for reading only (reports): creates nothing, and fails naming the URL when
   * InfluxDB does not answer, refuses the credentials, or holds no such database.
   */
  static async openReader(options: Omit<InfluxStoreOptions, "retention">): Promise<InfluxStore> {
    const base = options.url.replace(/\/+$/, "");
    try {
      const ping = await fetch(`${base}/ping`, { signal: AbortSignal.timeout(options.timeoutSeconds * 1000) });
      await ping.body?.cancel();
    } catch (err) {
      throw new Error(`InfluxDB at ${base} does not answer (${failureReason(err)})`);
    }
    const store = new InfluxStore({ ...options, retention: DEFAULT_RETENTION });
    let names: string[];
    try {
      names = await store.client.getDatabaseNames();
    } catch (err) {
      throw new Error(`InfluxDB at ${base} refused to list its databases: ${failureReason(err)}`);
    }
    if (!names.includes(options.database)) {
      throw new Error(
        `InfluxDB at ${base} has no database "${options.database}" (it has ${names.map((n) => `"${n}"`).join(", ") || "none"}); name the one the stack writes with --influx-db`,
      );
    }
    return store;
  }

  /** Creates the database, the tier retention policies and the continuous queries, once per process. */
  private setUp(): Promise<void> {
    this.ready ??= this.createSchema().catch((err) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  private async createSchema(): Promise<void> {
    const db = this.options.database;
    const r = this.options.retention;
    await this.client.createDatabase(db);
    const existing = new Set((await this.client.showRetentionPolicies(db)).map((p) => p.name));
    const policies: Array<[string, number, boolean]> = [
      [POLICIES.raw, r.raw, true],
      [POLICIES.minute, r.minute, false],
      [POLICIES.hour, r.hour, false],
    ];
    for (const [name, duration, isDefault] of policies) {
      const options = { database: db, duration: seconds(duration), replication: 1, isDefault };
      if (existing.has(name)) await this.client.alterRetentionPolicy(name, options);
      else await this.client.createRetentionPolicy(name, options);
    }
    for (const tier of ["minute", "hour"] as const) {
      const name = `rpowatch_${POLICIES[tier]}`;
      await this.client.query(`DROP CONTINUOUS QUERY ${quoteIdent(name)} ON ${quoteIdent(db)}`).catch(() => {});
      await this.client.query(
        `CREATE CONTINUOUS QUERY ${quoteIdent(name)} ON ${quoteIdent(db)} RESAMPLE EVERY ${seconds(TIER_WIDTH[tier])} FOR ${seconds(RESAMPLE[tier])} BEGIN ${this.rollUpSelect(tier)} GROUP BY time(${seconds(TIER_WIDTH[tier])}), * END`,
      );
    }
  }

  /** The SELECT … INTO that fills a tier from the one below it. */
  private rollUpSelect(tier: "minute" | "hour", where = ""): string {
    const db = quoteIdent(this.options.database);
    const folds =
      tier === "minute"
        ? `min(${FIELD}) AS "min", max(${FIELD}) AS "max", sum(${FIELD}) AS "sum", count(${FIELD}) AS "count", last(${FIELD}) AS "last"`
        : 'min("min") AS "min", max("max") AS "max", sum("sum") AS "sum", sum("count") AS "count", last("last") AS "last"';
    const source = tier === "minute" ? POLICIES.raw : POLICIES.minute;
    return `SELECT ${folds} INTO ${db}.${quoteIdent(POLICIES[tier])}.:MEASUREMENT FROM ${db}.${quoteIdent(source)}./^rpowatch_/${where}`;
  }

  async write(samples: readonly HistorySample[]): Promise<void> {
    await this.setUp();
    const lines: string[] = [];
    const measurements = new Set<string>();
    let oldest = Number.POSITIVE_INFINITY;
    let newest = Number.NEGATIVE_INFINITY;
    for (const s of samples) {
      if (!storable(s)) continue;
      lines.push(this.lines.sample(s));
      measurements.add(s.metric);
      oldest = Math.min(oldest, s.timestamp);
      newest = Math.max(newest, s.timestamp);
    }
    if (lines.length === 0) return;
    await this.post(lines, POLICIES.raw, "ms");
    // Points older than the continuous queries look back would never reach the tiers.
    if (oldest < this.now() - RESAMPLE.minute) await this.recompute([...measurements], oldest, newest);
  }

  /** Writes lines into a retention policy, WRITERS requests in flight; rejects on the first refusal. */
  private async post(lines: readonly string[], policy: string, precision: "ms" | "s"): Promise<void> {
    const url = `${this.base}/write?${new URLSearchParams({ db: this.options.database, rp: policy, precision })}`;
    let next = 0;
    let failed = false;
    const writer = async () => {
      while (!failed && next < lines.length) {
        const body = lines.slice(next, next + WRITE_CHUNK).join("\n");
        next += WRITE_CHUNK;
        await this.postChunk(url, body).catch((err) => {
          failed = true;
          throw err;
        });
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, writer));
  }

  private async postChunk(url: string, body: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        body,
        headers: this.headers,
        signal: AbortSignal.timeout(this.options.timeoutSeconds * 1000),
      });
    } catch (err) {
      throw new Error(`InfluxDB at ${this.base} did not take a write: ${failureReason(err)}`);
    }
    if (response.status === 204) return;
    const detail = (await response.text().catch(() => "")).slice(0, 500);
    throw new Error(`InfluxDB at ${this.base} refused a write (HTTP ${response.status}): ${detail}`);
  }

  /**
   * Recomputes the minute and hour buckets of these measurements that cover [from, to]: minutes
   * from the raw points InfluxDB now holds, a window at a time; hours the minutes cover whole from
   * those minutes; the partly covered first and last hours from all their minutes, in InfluxDB.
   */
  private async recompute(measurements: readonly string[], from: number, to: number): Promise<void> {
    const minute = TIER_WIDTH.minute;
    const hour = TIER_WIDTH.hour;
    const start = Math.floor(from / minute) * minute;
    const end = (Math.floor(to / minute) + 1) * minute;
    const wholeFrom = Math.ceil(start / hour) * hour;
    const wholeTo = Math.floor(end / hour) * hour;
    for (let windowFrom = start; windowFrom < end; ) {
      const windowTo = Math.min(end, Math.floor(windowFrom / hour) * hour + RECOMPUTE_WINDOW);
      const raw = await this.readPoints(measurements, windowFrom, windowTo);
      const minuteLines: string[] = [];
      const hourLines: string[] = [];
      for (const [key, points] of raw) {
        const minutes = foldPoints(points, minute);
        for (const b of minutes) minuteLines.push(bucketLine(key, b));
        const whole = minutes.filter((b) => b.time >= wholeFrom && b.time < wholeTo);
        for (const b of foldBuckets(whole, hour)) hourLines.push(bucketLine(key, b));
      }
      await this.post(minuteLines, POLICIES.minute, "s");
      await this.post(hourLines, POLICIES.hour, "s");
      windowFrom = windowTo;
    }
    const partlyCovered = new Set<number>();
    if (start < wholeFrom) partlyCovered.add(wholeFrom - hour);
    if (wholeTo < end) partlyCovered.add(wholeTo);
    for (const h of partlyCovered) {
      await this.client.query(
        `${this.rollUpSelect("hour", ` WHERE time >= ${h}s AND time < ${h + hour}s`)} GROUP BY time(${seconds(hour)}), *`,
      );
    }
  }

  /** The raw points of these measurements in [from, to), by series key, in time order (ms). */
  private async readPoints(
    measurements: readonly string[],
    from: number,
    to: number,
  ): Promise<Map<string, Array<[number, number]>>> {
    const db = quoteIdent(this.options.database);
    const sources = measurements.map((m) => `${db}.${quoteIdent(POLICIES.raw)}.${quoteIdent(m)}`).join(", ");
    const sql = `SELECT ${quoteIdent(FIELD)} FROM ${sources} WHERE time >= ${from}s AND time < ${to}s GROUP BY *`;
    const out = new Map<string, Array<[number, number]>>();
    await selectChunked(this.target, sql, "ms", (s) => {
      const key = seriesKey(s.name, s.tags ?? {});
      const points = out.get(key);
      if (points) for (const row of s.values) points.push(row as [number, number]);
      else out.set(key, s.values as Array<[number, number]>);
    });
    return out;
  }

  async range(query: RangeQuery): Promise<Series[]> {
    const { from, to, stepSeconds: step } = query;
    const usable = tiersForStep(step);
    const now = this.now();
    const aligned = (t: number) => Math.floor(t / step) * step;
    const hourFinal = usable.hour ? aligned(now - FINAL_AFTER.hour) : from;
    const minuteFinal = usable.minute ? aligned(now - FINAL_AFTER.minute) : from;
    const parts: Array<{ policy: string; from: number; to: number; width: number | null }> = [];
    if (usable.hour) parts.push({ policy: POLICIES.hour, from, to: Math.min(to, hourFinal), width: TIER_WIDTH.hour });
    if (usable.minute)
      parts.push({
        policy: POLICIES.minute,
        from: Math.max(from, hourFinal),
        to: Math.min(to, minuteFinal),
        width: TIER_WIDTH.minute,
      });
    parts.push({ policy: POLICIES.raw, from: Math.max(from, minuteFinal), to, width: null });

    const bySeries: SeriesRows = new Map();
    for (const part of parts) {
      if (part.from >= part.to) continue;
      // A bucket of the step's own width is read as stored: InfluxDB groups by time slowly.
      const stored = part.width === step;
      const select = stored
        ? STORED[query.aggregate]
        : part.width === null
          ? SELECTS[query.aggregate].raw
          : SELECTS[query.aggregate].tier;
      const where = [
        `time >= ${Math.round(part.from * 1000)}ms`,
        `time < ${Math.round(part.to * 1000)}ms`,
        ...Object.entries(query.match ?? {}).map(([k, v]) => `${quoteIdent(k)} = ${quoteText(v)}`),
      ].join(" AND ");
      const groups = stored ? "GROUP BY *" : `GROUP BY time(${seconds(step)}), * fill(none)`;
      const sql = `SELECT ${select} FROM ${quoteIdent(this.options.database)}.${quoteIdent(part.policy)}.${quoteIdent(query.metric)} WHERE ${where} ${groups}`;
      await this.rows(sql, stored && query.aggregate === "mean", bySeries);
    }
    return [...bySeries.values()]
      .filter((s) => s.t.length > 0)
      .map((s) => ({ labels: s.labels, timestamps: Float64Array.from(s.t), values: Float64Array.from(s.v) }));
  }

  /** Adds a select's rows to their series (sorted labels as key); `mean` divides the stored sum by its count. */
  private async rows(sql: string, mean: boolean, bySeries: SeriesRows): Promise<void> {
    await selectChunked(this.target, sql, "s", (s) => {
      const labels = s.tags ?? {};
      const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
      let out = bySeries.get(key);
      if (!out) {
        out = { labels, t: [], v: [] };
        bySeries.set(key, out);
      }
      for (const row of s.values) {
        const value = mean ? (row[1] as number) / (row[2] as number) : row[1];
        if (value === null) continue;
        out.t.push(row[0] as number);
        out.v.push(value as number);
      }
    });
  }

  async close(): Promise<void> {}
}

type SeriesRows = Map<string, { labels: Record<string, string>; t: number[]; v: number[] }>;
