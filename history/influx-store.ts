/**
 * The InfluxDB 1.x history store (also the v1-compatible API of InfluxDB 2 and 3), through the
 * `influx` package. Measurements, the `value` field and tags are those of dashboards/influx-schema.ts.
 *
 * Tiers are retention policies: `raw` (the default policy), `m1` and `h1`, whose points hold the
 * fields min, max, sum, count and last of their bucket. Continuous queries fill them, resampling
 * the last 10 minutes (m1) and 2 hours (h1) so slightly late points are counted; a write of older
 * points (a buffer replay) recomputes its span of both tiers at once, as InfluxDB replaces a point
 * of the same series and time. Points older than the raw retention are refused by InfluxDB.
 *
 * Readers take each part of a range from the coarsest tier the step allows whose buckets are
 * final: hourly buckets up to two hours ago, minute buckets up to two minutes ago, raw after.
 */
import { InfluxDB, type IPoint } from "influx";
import { failureReason } from "../lib/failure-reason.ts";
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
const WRITE_CHUNK = 5000;
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

export class InfluxStore implements HistoryWriter, HistoryReader {
  private readonly client: InfluxDB;
  private readonly now: () => number;
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
    const points: IPoint[] = [];
    let oldest = Number.POSITIVE_INFINITY;
    let newest = Number.NEGATIVE_INFINITY;
    for (const s of samples) {
      if (!storable(s)) continue;
      points.push({
        measurement: s.metric,
        tags: s.labels as Record<string, string>,
        fields: { [FIELD]: s.value },
        timestamp: Math.round(s.timestamp * 1000),
      });
      oldest = Math.min(oldest, s.timestamp);
      newest = Math.max(newest, s.timestamp);
    }
    if (points.length === 0) return;
    // InfluxDB's recommended batch size; a whole 10,000-volume snapshot in one request can pass its write timeout.
    for (let i = 0; i < points.length; i += WRITE_CHUNK) {
      await this.client.writePoints(points.slice(i, i + WRITE_CHUNK), {
        retentionPolicy: POLICIES.raw,
        precision: "ms",
      });
    }
    // Points older than the continuous queries look back would never reach the tiers.
    if (oldest < this.now() - RESAMPLE.minute) await this.recompute(oldest, newest);
  }

  /** Recomputes the minute and hour buckets that cover [from, to]. */
  private async recompute(from: number, to: number): Promise<void> {
    for (const tier of ["minute", "hour"] as const) {
      const w = TIER_WIDTH[tier];
      const start = Math.floor(from / w) * w;
      const end = (Math.floor(to / w) + 1) * w;
      await this.client.query(
        `${this.rollUpSelect(tier, ` WHERE time >= ${start}s AND time < ${end}s`)} GROUP BY time(${seconds(w)}), *`,
      );
    }
  }

  async range(query: RangeQuery): Promise<Series[]> {
    const { from, to, stepSeconds: step } = query;
    const usable = tiersForStep(step);
    const now = this.now();
    const aligned = (t: number) => Math.floor(t / step) * step;
    const hourFinal = usable.hour ? aligned(now - FINAL_AFTER.hour) : from;
    const minuteFinal = usable.minute ? aligned(now - FINAL_AFTER.minute) : from;
    const parts: Array<{ policy: string; from: number; to: number; tier: boolean }> = [];
    if (usable.hour) parts.push({ policy: POLICIES.hour, from, to: Math.min(to, hourFinal), tier: true });
    if (usable.minute)
      parts.push({
        policy: POLICIES.minute,
        from: Math.max(from, hourFinal),
        to: Math.min(to, minuteFinal),
        tier: true,
      });
    parts.push({ policy: POLICIES.raw, from: Math.max(from, minuteFinal), to, tier: false });

    const bySeries = new Map<string, { labels: Record<string, string>; t: number[]; v: number[] }>();
    for (const part of parts) {
      if (part.from >= part.to) continue;
      const select = part.tier ? SELECTS[query.aggregate].tier : SELECTS[query.aggregate].raw;
      const where = [
        `time >= ${Math.round(part.from * 1000)}ms`,
        `time < ${Math.round(part.to * 1000)}ms`,
        ...Object.entries(query.match ?? {}).map(([k, v]) => `${quoteIdent(k)} = ${quoteText(v)}`),
      ].join(" AND ");
      const sql = `SELECT ${select} FROM ${quoteIdent(this.options.database)}.${quoteIdent(part.policy)}.${quoteIdent(query.metric)} WHERE ${where} GROUP BY time(${seconds(step)}), * fill(none)`;
      const raw = (await this.client.queryRaw(sql, { precision: "s" }).catch((err) => {
        throw new Error(`InfluxDB at ${this.options.url} did not answer a query: ${failureReason(err)}`);
      })) as InfluxRawResponse;
      for (const result of raw.results ?? []) {
        if (result.error) throw new Error(`InfluxDB at ${this.options.url} refused a query: ${result.error}`);
        for (const s of result.series ?? []) {
          const labels = s.tags ?? {};
          const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
          let out = bySeries.get(key);
          if (!out) {
            out = { labels, t: [], v: [] };
            bySeries.set(key, out);
          }
          for (const [time, value] of s.values) {
            if (value === null) continue;
            out.t.push(time as number);
            out.v.push(value as number);
          }
        }
      }
    }
    return [...bySeries.values()]
      .filter((s) => s.t.length > 0)
      .map((s) => ({ labels: s.labels, timestamps: Float64Array.from(s.t), values: Float64Array.from(s.v) }));
  }

  async close(): Promise<void> {}
}

interface InfluxRawResponse {
  results?: Array<{
    error?: string;
    series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
  }>;
}
