/**
 * The InfluxDB history store (1.x, or the v1-compatible API of 2.x and 3.x with client tiers),
 * through the `influx` package for the schema and queries.
 * Measurements, the `value` field and tags are those of dashboards/influx-schema.ts.
 *
 * Points go out as line protocol built here (history/influx-lines.ts: a series' key is escaped once,
 * not per point), in requests of WRITE_CHUNK lines, two in flight so InfluxDB parses one while the
 * next is on its way.
 *
 * Tiers are retention policies: `raw` (the default policy), `m1` and `h1`, whose points hold the
 * fields min, max, sum, count and last of their bucket, and `m1h`, the minute buckets again packed
 * an hour a point (see packHours): a report reads a month of minutes, and InfluxDB 1.6 spends
 * microseconds of CPU on every row it answers. Continuous queries fill `m1` and `h1`, resampling
 * the last 2 minutes (m1) and 2 hours (h1) so slightly late points are counted; the writer's
 * upkeep (maintain) packs each hour once its minutes are final, with its `h1` bucket,
 * resuming after a restart at the hour it had got to (PROGRESS). A write of older points (a
 * buffer replay, a backfill) records its span (LateSpans, kept in the raw policy too: PROGRESS),
 * and the next upkeep run recomputes the spans recorded since the last, merged, in every tier, as
 * InfluxDB replaces a point of the same series and time: the minute buckets in the client from the
 * raw points InfluxDB holds for the span (a SELECT … INTO grouped by minute costs InfluxDB many
 * times the write itself), the hours the span covers whole from those minutes, and a partly
 * covered hour from all its minutes in `m1`. Points older than the raw retention are refused by
 * InfluxDB.
 *
 * With client tiers (`tiers: "client"`, for the v1-compatible API of InfluxDB 2 and 3, which takes
 * no CREATE statement and runs no continuous query) the operator makes the database and the four
 * policies (buckets mapped by DBRP) and the store creates nothing: its upkeep rolls every minute
 * that ended a minute ago up from the raw points, with the same folds as the continuous query
 * (foldPoints), and each hour once its last minute is rolled up, with its pack, as far back as the
 * raw policy holds points. Where it has got to is a point in the raw policy (PROGRESS), so a
 * restart resumes there, and a reader knows which buckets are written; a write of points older
 * than that records their span, which the next run rolls up again (recompute). A rollup writes
 * points of the same series and time again, so running one twice changes nothing. The first run
 * compares the policies' durations with the configured retention (checkRetention).
 *
 * Readers take each part of a range from the coarsest tier the step allows whose buckets are
 * final: hourly buckets up to two hours ago, minute buckets up to two minutes ago (packed for
 * hours that ended two hours ago, unless an hour lacks a pack), raw after; with client tiers, no
 * later than the upkeep has got to. At a step of the tier's own width the buckets are read as
 * stored, with no grouping by time.
 */
import { InfluxDB } from "influx";
import { failureReason } from "../lib/failure-reason.ts";
import type { Logger } from "../lib/log.ts";
import { bucketLine, LineEncoder, packedLine, seriesKey, stringField } from "./influx-lines.ts";
import { checkPolicies, POLICIES, POLICY_TIERS, seconds } from "./influx-policies.ts";
import { type InfluxQueryTarget, selectChunked } from "./influx-query.ts";
import { type Bucket, foldBuckets, foldPoints, packHours, unpackText } from "./influx-rollup.ts";
import { cover, type LateSpan, LateSpans } from "./late-spans.ts";
import type { HistoryStats } from "./stats.ts";
import {
  type Aggregate,
  type HistoryReader,
  type HistorySample,
  type HistoryWriter,
  type RangeQuery,
  type Series,
  storable,
} from "./store.ts";
import { DEFAULT_RETENTION, TIER_WIDTH, type TierMode, type TierRetention, tiersForStep } from "./tiers.ts";

export interface InfluxStoreOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  timeoutSeconds: number;
  retention: TierRetention;
  /** Who fills the minute and hour tiers (default `server`: InfluxDB's continuous queries). */
  tiers?: TierMode;
  now?: () => number;
  /** Where the upkeep counts the late spans it recomputes and reports the retention check. */
  stats?: HistoryStats;
  logger?: Logger;
}

const FIELD = "value";
/**
 * Lines per write request, and requests in flight: on the 2-core test machine 20,000 lines two at a
 * time took about twice the points/s of 5,000 one at a time; gzip took more CPU than it saved.
 */
const WRITE_CHUNK = 20_000;
/** Characters per write request at most: packed hours are long lines, and InfluxDB refuses bodies over 25 MB. */
const WRITE_BYTES = 4_000_000;
const WRITERS = 2;
/** Seconds of an old span recomputed per read of its raw points, bounding what one answer holds. */
const RECOMPUTE_WINDOW = 6 * 3600;
/**
 * How far back the continuous queries recompute their tier on each run. The minute query reads
 * each raw point RESAMPLE.minute / 60 times, so it looks back no further than a point on time
 * needs (LATE_AFTER): at 10,000 volumes 10 minutes cost influxd over a core (docs/history.md).
 */
export const RESAMPLE = { minute: 120, hour: 7200 } as const;
/**
 * A point written this long after its time may miss every run of the minute query that covers its
 * minute (the first run after it lands looks back to the minute before the one it lands in), so
 * the upkeep recomputes the tiers of its span itself.
 */
const LATE_AFTER = RESAMPLE.minute - TIER_WIDTH.minute;
/** Buckets older than this are final in each tier (the continuous queries have run over them). */
const FINAL_AFTER = { minute: 120, hour: 7200 } as const;
/**
 * An hour's minutes are packed once this long after its end (the minute query's resampling and a
 * run of it later), and the first upkeep run ever packs the hours this far back.
 */
const PACK_AFTER = RESAMPLE.minute + 2 * TIER_WIDTH.minute;
const PACK_BACK = 3 * TIER_WIDTH.hour;
/** Client tiers: a minute is rolled up once it ended this long ago (the writes of its snapshots are in). */
const ROLL_AFTER = TIER_WIDTH.minute;
/**
 * How far the upkeep has got, points in the raw policy, the latest one of a field counting:
 * `rolled_up_to` (client tiers), every minute before that time is rolled up, and every hour
 * before its hour; `packed_to` (server tiers), every hour before it is packed; `late_spans`, the
 * late spans not yet recomputed (JSON of LateSpan[]). Stamped with the time they are written (not
 * their value, which may be older than the raw policy keeps). Not named `rpowatch_…`, so neither
 * a rollup nor a listing of the metrics takes them.
 */
const PROGRESS = {
  measurement: "rpowatch-tiers",
  rolled: "rolled_up_to",
  packed: "packed_to",
  late: "late_spans",
} as const;
/** Characters of late spans kept at most (InfluxDB 1.x holds a string field of up to 64 KB); more are kept as one span covering them. */
const LATE_SPANS_CHARS = 60_000;

const quoteIdent = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
const quoteText = (s: string) => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

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
  /** Hours before this one are packed (set by the first upkeep run from the progress recorded). */
  private packedTo: number | null = null;
  /** The upkeep under way, if any: runs never overlap. */
  private packing: Promise<void> | null = null;
  /** Client tiers: minutes before this are rolled up (null: none yet, undefined: not read yet). */
  private rolledTo: number | null | undefined;
  /** Client tiers: the end of the latest upkeep run begun (it may fail, leaving rolledTo behind). */
  private rollingTo = Number.NEGATIVE_INFINITY;
  /** Spans of late points written since the upkeep last took them (see write). */
  private readonly late = new LateSpans();
  /** The read of the late spans a previous process left (PROGRESS.late), once per process. */
  private lateRead: Promise<void> | null = null;
  /** The time of the last late spans kept, so that each one kept later is stamped later. */
  private lateStamp = 0;
  /** Client tiers: whether the policies' durations have been compared with the retention (checkRetention). */
  private retentionChecked = false;

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

  /**
   * Creates the database, the tier retention policies and the continuous queries, once per process;
   * nothing with client tiers, whose database and policies the operator makes.
   */
  private setUp(): Promise<void> {
    if (this.options.tiers === "client") return Promise.resolve();
    this.ready ??= this.createSchema().catch((err) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  private async createSchema(): Promise<void> {
    const db = this.options.database;
    await this.client.createDatabase(db);
    const existing = new Set((await this.client.showRetentionPolicies(db)).map((p) => p.name));
    for (const [name, tier] of POLICY_TIERS) {
      const duration = seconds(this.options.retention[tier]);
      const options = { database: db, duration, replication: 1, isDefault: name === POLICIES.raw };
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
  private rollUpSelect(tier: "minute" | "hour"): string {
    const db = quoteIdent(this.options.database);
    const folds =
      tier === "minute"
        ? `min(${FIELD}) AS "min", max(${FIELD}) AS "max", sum(${FIELD}) AS "sum", count(${FIELD}) AS "count", last(${FIELD}) AS "last"`
        : 'min("min") AS "min", max("max") AS "max", sum("sum") AS "sum", sum("count") AS "count", last("last") AS "last"';
    const source = tier === "minute" ? POLICIES.raw : POLICIES.minute;
    return `SELECT ${folds} INTO ${db}.${quoteIdent(POLICIES[tier])}.:MEASUREMENT FROM ${db}.${quoteIdent(source)}./^rpowatch_/`;
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
    if (oldest >= this.lateBefore()) return;
    // Recorded once the raw points are in, so the run that takes the span reads them, and kept in
    // InfluxDB before the write resolves, so a stop before that run loses no span (if that fails,
    // the write fails and the buffer writes it again). A write waits for no rollup.
    await this.readLateSpans();
    this.late.add(measurements, oldest, newest);
    await this.keepLateSpans();
  }

  /**
   * Points older than this may never reach the tiers by themselves: older than the continuous
   * queries look back (server tiers); minutes the upkeep has rolled up, or is rolling up from raw
   * points it may have read before these were in (client tiers; all, until the progress is read:
   * recomputeLate clips them to it).
   */
  private lateBefore(): number {
    if (this.options.tiers !== "client") return this.now() - LATE_AFTER;
    if (this.rolledTo === undefined) return Number.POSITIVE_INFINITY;
    return Math.max(this.rolledTo ?? Number.NEGATIVE_INFINITY, this.rollingTo);
  }

  /**
   * The writer's periodic upkeep: recomputes the late spans written since the last run
   * (recomputeLate), then packs every hour whose minutes are final since the last one packed (the
   * first run packs the last PACK_BACK), its bucket and packed minutes from the minute tier, for
   * every series. An hour left unpacked when this fails is retried on the next run. With client
   * tiers it checks the policies' durations on its first run (checkRetention) and rolls the minute
   * and hour tiers up instead of packing (rollUpFinished).
   */
  maintain(): Promise<void> {
    this.packing ??= this.upkeep().finally(() => {
      this.packing = null;
    });
    return this.packing;
  }

  private async upkeep(): Promise<void> {
    if (this.options.tiers === "client") {
      if (!this.retentionChecked) await this.checkRetention();
    } else await this.setUp();
    await this.readLateSpans();
    await this.recomputeLate();
    await (this.options.tiers === "client" ? this.rollUpFinished() : this.packFinishedHours());
  }

  /**
   * Recomputes the spans of late points recorded since the last run, merged, with client tiers
   * only the minutes before the progress (the run rolls the later ones up itself). The spans not
   * recomputed when one fails are kept for the next run, with any written meanwhile.
   */
  private async recomputeLate(): Promise<void> {
    if (this.late.isEmpty()) return;
    const before =
      this.options.tiers === "client"
        ? ((await this.progress()) ?? Number.NEGATIVE_INFINITY)
        : Number.POSITIVE_INFINITY;
    const spans = this.late.take();
    for (const [i, span] of spans.entries()) {
      const to = Math.min(span.to, before);
      if (span.from >= to) continue;
      try {
        await this.recompute(span.measurements, span.from, to);
      } catch (err) {
        this.late.settle(spans.slice(i));
        throw err;
      }
      this.options.stats?.tierSpanRecomputed();
    }
    this.late.settle([]);
    await this.keepLateSpans();
  }

  /** Adds the late spans a previous process kept and did not recompute, once per process. */
  private readLateSpans(): Promise<void> {
    this.lateRead ??= this.readProgress(PROGRESS.late).then(
      (kept) => {
        if (typeof kept === "string") this.late.restore(JSON.parse(kept) as LateSpan[]);
      },
      (err) => {
        this.lateRead = null;
        throw err;
      },
    );
    return this.lateRead;
  }

  /** Keeps the late spans not yet recomputed in InfluxDB, the latest ones kept counting. */
  private async keepLateSpans(): Promise<void> {
    const spans = this.late.all();
    let text = JSON.stringify(spans);
    if (text.length > LATE_SPANS_CHARS) text = JSON.stringify([cover(spans)]);
    this.lateStamp = Math.max(Date.now(), this.lateStamp + 1);
    await this.post(
      [`${PROGRESS.measurement} ${PROGRESS.late}=${stringField(text)} ${this.lateStamp}`],
      POLICIES.raw,
      "ms",
    );
  }

  private async packFinishedHours(): Promise<void> {
    const hour = TIER_WIDTH.hour;
    const end = Math.floor((this.now() - PACK_AFTER) / hour) * hour;
    if (this.packedTo === null) {
      // After a restart or a downtime, from the hour the last run got to, as far back as the minute
      // tier keeps: an hour the continuous query missed (InfluxDB down at both hours it covers it)
      // has no hour bucket but this one, and a minute step reads an hour that has none as empty.
      const recorded = await this.readPosition(PROGRESS.packed);
      const kept = Math.ceil((this.now() - this.options.retention.minute) / hour) * hour;
      this.packedTo = recorded === null ? end - PACK_BACK : Math.max(recorded, kept);
    }
    if (this.packedTo >= end) return;
    const measurements = await this.measurements();
    for (; this.packedTo < end; this.packedTo += hour) {
      await this.rollUpHour(measurements, this.packedTo);
      await this.recordProgress(PROGRESS.packed, this.packedTo + hour);
    }
  }

  /**
   * Client tiers' upkeep: rolls up the minutes that ended ROLL_AFTER ago since the last run (after
   * a downtime, or the first time, as far back as the raw policy keeps every point), with the
   * hours they end, then records how far it got. A run that fails is done again whole by the next.
   */
  private async rollUpFinished(): Promise<void> {
    const minute = TIER_WIDTH.minute;
    const hour = TIER_WIDTH.hour;
    const now = this.now();
    const end = Math.floor((now - ROLL_AFTER) / minute) * minute;
    const kept = Math.ceil((now - this.options.retention.raw) / minute) * minute;
    const start = Math.max((await this.progress()) ?? kept, kept);
    if (start >= end) return;
    this.rollingTo = Math.max(this.rollingTo, end);
    const measurements = await this.measurements();
    await this.rollUpFromRaw(measurements, start, end);
    // The hour this run began inside of, if it has ended: from all its minutes in the minute tier.
    const firstWhole = Math.ceil(start / hour) * hour;
    if (start < firstWhole && firstWhole <= end) await this.rollUpHour(measurements, firstWhole - hour);
    await this.recordProgress(PROGRESS.rolled, end);
    this.rolledTo = end;
  }

  /**
   * Client tiers: compares the durations of the policies the operator made with the configured
   * retention (checkPolicies), once per process, logging each difference and handing the stats
   * every policy's surplus. A user not allowed to list the policies is told once that they could
   * not be checked; any other failure fails the run, which checks again.
   */
  private async checkRetention(): Promise<void> {
    const { database, logger, stats } = this.options;
    let listed: Array<{ name: string; duration: string }>;
    try {
      listed = await this.client.showRetentionPolicies(database);
    } catch (err) {
      if (!/authoriz|privilege|forbidden/i.test(failureReason(err))) throw err;
      this.retentionChecked = true;
      logger?.warn(
        { database, err: failureReason(err) },
        "InfluxDB history: could not check the retention policies' durations against history.retention (the user may not list them); make sure the raw policy keeps points at least history.retention.raw",
      );
      return;
    }
    this.retentionChecked = true;
    for (const c of checkPolicies(this.options.retention, listed)) {
      if (c.surplus !== undefined) stats?.retentionCompared(c.policy, c.surplus);
      if (c.level === "ok") continue;
      const fields = {
        database,
        policy: c.policy,
        configuredSeconds: c.configured,
        actual: c.actual ?? "missing",
        setting: `history.retention.${c.tier}`,
      };
      if (c.level === "error") logger?.error(fields, `InfluxDB history: retention policy "${c.policy}" ${c.problem}`);
      else logger?.warn(fields, `InfluxDB history: retention policy "${c.policy}" ${c.problem}`);
    }
  }

  private async recordProgress(field: string, to: number): Promise<void> {
    await this.post([`${PROGRESS.measurement} ${field}=${to}i ${Date.now()}`], POLICIES.raw, "ms");
  }

  /** Client tiers: where the upkeep has got to, read from InfluxDB the first time. */
  private async progress(): Promise<number | null> {
    if (this.rolledTo === undefined) this.rolledTo = await this.readPosition(PROGRESS.rolled);
    return this.rolledTo;
  }

  /** The latest position of this field InfluxDB holds (null: none, e.g. `rolled_up_to` with server tiers). */
  private async readPosition(field: string): Promise<number | null> {
    const value = await this.readProgress(field);
    return typeof value === "number" ? value : null;
  }

  /** The latest value of this progress field InfluxDB holds (undefined: none). */
  private async readProgress(field: string): Promise<unknown> {
    const source = `${quoteIdent(this.options.database)}.${quoteIdent(POLICIES.raw)}.${quoteIdent(PROGRESS.measurement)}`;
    let value: unknown;
    await selectChunked(
      this.target,
      `SELECT ${quoteIdent(field)} FROM ${source} ORDER BY time DESC LIMIT 1`,
      "s",
      (s) => {
        value = s.values[0]?.[1];
      },
    );
    return value;
  }

  /** The rpowatch metrics the database holds. */
  private async measurements(): Promise<string[]> {
    const out: string[] = [];
    await selectChunked(this.target, "SHOW MEASUREMENTS WITH MEASUREMENT =~ /^rpowatch_/", "s", (s) => {
      for (const [name] of s.values) out.push(name as string);
    });
    return out;
  }

  /**
   * Writes history older than the raw retention straight into the tiers (a backfill, an import
   * from another store): the samples folded here into minute buckets, hour buckets and packed
   * hours, no raw point. Each series' hours must come whole in one call: a bucket written here
   * replaces the one InfluxDB holds.
   */
  async importTiers(samples: readonly HistorySample[]): Promise<void> {
    await this.setUp();
    const bySeries = new Map<string, Array<[number, number]>>();
    for (const s of samples) {
      if (!storable(s)) continue;
      const key = this.lines.key(s);
      const points = bySeries.get(key);
      const point: [number, number] = [Math.round(s.timestamp * 1000), s.value];
      if (points) points.push(point);
      else bySeries.set(key, [point]);
    }
    const out = emptyTierLines();
    for (const [key, points] of bySeries) {
      points.sort((a, b) => a[0] - b[0]);
      addTierLines(out, key, foldPoints(points, TIER_WIDTH.minute), -Infinity, Infinity);
    }
    await this.postTierLines(out);
  }

  private async postTierLines(lines: TierLines): Promise<void> {
    await this.post(lines.minute, POLICIES.minute, "s");
    await this.post(lines.hour, POLICIES.hour, "s");
    await this.post(lines.packed, POLICIES.packed, "s");
  }

  /** Writes lines into a retention policy, WRITERS requests in flight; rejects on the first refusal. */
  private async post(lines: readonly string[], policy: string, precision: "ms" | "s"): Promise<void> {
    const url = `${this.base}/write?${new URLSearchParams({ db: this.options.database, rp: policy, precision })}`;
    let next = 0;
    let failed = false;
    const writer = async () => {
      while (!failed && next < lines.length) {
        let end = next;
        for (let bytes = 0; end < lines.length && end - next < WRITE_CHUNK && bytes < WRITE_BYTES; end++) {
          bytes += lines[end]!.length + 1;
        }
        const body = lines.slice(next, end).join("\n");
        next = end;
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
   * Recomputes the minute and hour buckets and packed hours of these measurements in the whole
   * minutes [start, end): minutes from the raw points InfluxDB now holds, a window at a time; hours
   * the minutes cover whole from those minutes; the partly covered first and last hours from all
   * their minutes in the minute tier.
   */
  private async recompute(measurements: readonly string[], start: number, end: number): Promise<void> {
    const hour = TIER_WIDTH.hour;
    await this.rollUpFromRaw(measurements, start, end);
    const wholeFrom = Math.ceil(start / hour) * hour;
    const wholeTo = Math.floor(end / hour) * hour;
    const partlyCovered = new Set<number>();
    if (start < wholeFrom) partlyCovered.add(wholeFrom - hour);
    if (wholeTo < end) partlyCovered.add(wholeTo);
    for (const h of partlyCovered) await this.rollUpHour(measurements, h);
  }

  /**
   * Writes the minute buckets of [start, end) (whole minutes) folded from the raw points InfluxDB
   * holds, a window at a time, and the hour buckets and packs of the hours they cover whole.
   */
  private async rollUpFromRaw(measurements: readonly string[], start: number, end: number): Promise<void> {
    // A database no rpowatch metric has been written to yet (InfluxQL has no empty FROM).
    if (measurements.length === 0) return;
    const minute = TIER_WIDTH.minute;
    const hour = TIER_WIDTH.hour;
    const wholeFrom = Math.ceil(start / hour) * hour;
    const wholeTo = Math.floor(end / hour) * hour;
    for (let windowFrom = start; windowFrom < end; ) {
      const windowTo = Math.min(end, Math.floor(windowFrom / hour) * hour + RECOMPUTE_WINDOW);
      const raw = await this.readPoints(measurements, windowFrom, windowTo);
      const lines = emptyTierLines();
      for (const [key, points] of raw) addTierLines(lines, key, foldPoints(points, minute), wholeFrom, wholeTo);
      await this.postTierLines(lines);
      windowFrom = windowTo;
    }
  }

  /**
   * Rebuilds one hour's buckets and packed minutes of these measurements' series from their minute
   * buckets, a measurement at a time (an hour of 10,000 volumes' minutes is millions of rows).
   */
  private async rollUpHour(measurements: readonly string[], hour: number): Promise<void> {
    for (const m of measurements) await this.rollUpHourOf(m, hour);
  }

  private async rollUpHourOf(measurement: string, hour: number): Promise<void> {
    const source = `${quoteIdent(this.options.database)}.${quoteIdent(POLICIES.minute)}.${quoteIdent(measurement)}`;
    const sql = `SELECT "min", "max", "sum", "count", "last" FROM ${source} WHERE time >= ${hour}s AND time < ${hour + TIER_WIDTH.hour}s GROUP BY *`;
    const bySeries = new Map<string, Bucket[]>();
    await selectChunked(this.target, sql, "s", (s) => {
      const key = seriesKey(s.name, s.tags ?? {});
      let buckets = bySeries.get(key);
      if (!buckets) {
        buckets = [];
        bySeries.set(key, buckets);
      }
      for (const [time, min, max, sum, count, last] of s.values as number[][]) {
        buckets.push({ time: time!, min: min!, max: max!, sum: sum!, count: count!, last: last! });
      }
    });
    const lines = emptyTierLines();
    for (const [key, minutes] of bySeries) addTierLines(lines, key, minutes, -Infinity, Infinity, false);
    await this.postTierLines(lines);
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
    // Client tiers hold what the upkeep has rolled up; later steps come from the tier below.
    const rolled = (await this.readPosition(PROGRESS.rolled)) ?? Number.POSITIVE_INFINITY;
    const final = {
      minute: Math.min(now - FINAL_AFTER.minute, rolled),
      hour: Math.min(now - FINAL_AFTER.hour, Math.floor(rolled / TIER_WIDTH.hour) * TIER_WIDTH.hour),
    };
    const hourFinal = usable.hour ? aligned(final.hour) : from;
    const minuteFinal = usable.minute ? aligned(final.minute) : from;
    const parts: Part[] = [];
    if (usable.hour) parts.push({ policy: POLICIES.hour, from, to: Math.min(to, hourFinal), width: TIER_WIDTH.hour });
    if (usable.minute) {
      const minutes = { from: Math.max(from, hourFinal), to: Math.min(to, minuteFinal) };
      // Minute steps of final hours come packed, an hour a row (see packHours).
      const hour = TIER_WIDTH.hour;
      const packedFrom = Math.ceil(minutes.from / hour) * hour;
      const packedTo = Math.min(Math.floor(minutes.to / hour) * hour, Math.floor(final.hour / hour) * hour);
      const packs = step === TIER_WIDTH.minute && packedFrom < packedTo;
      const minutePart = (a: number, b: number): Part => ({
        policy: POLICIES.minute,
        from: a,
        to: b,
        width: TIER_WIDTH.minute,
      });
      if (packs) {
        parts.push(minutePart(minutes.from, packedFrom));
        parts.push({ policy: POLICIES.packed, from: packedFrom, to: packedTo, width: TIER_WIDTH.minute });
        parts.push(minutePart(packedTo, minutes.to));
      } else parts.push(minutePart(minutes.from, minutes.to));
    }
    parts.push({ policy: POLICIES.raw, from: Math.max(from, minuteFinal), to, width: null });

    const bySeries: SeriesRows = new Map();
    let reordered = false;
    for (const part of parts) {
      if (part.from >= part.to) continue;
      if (part.policy !== POLICIES.packed) {
        await this.partRows(query, part, bySeries);
        continue;
      }
      // Hours some series has no pack for come from the minute tier, after the packs.
      const unpacked = await this.packedRows(query, part, bySeries);
      for (const [a, b] of unpacked) {
        await this.partRows(query, { policy: POLICIES.minute, from: a, to: b, width: TIER_WIDTH.minute }, bySeries);
        reordered = true;
      }
    }
    return [...bySeries.values()]
      .filter((s) => s.t.length > 0)
      .map((s) => (reordered ? inTimeOrder(s) : s))
      .map((s) => ({ labels: s.labels, timestamps: Float64Array.from(s.t), values: Float64Array.from(s.v) }));
  }

  private async partRows(query: RangeQuery, part: Part, bySeries: SeriesRows): Promise<void> {
    // A bucket of the step's own width is read as stored: InfluxDB groups by time slowly.
    const stored = part.width === query.stepSeconds;
    const select = stored
      ? STORED[query.aggregate]
      : part.width === null
        ? SELECTS[query.aggregate].raw
        : SELECTS[query.aggregate].tier;
    const groups = stored ? "GROUP BY *" : `GROUP BY time(${seconds(query.stepSeconds)}), * fill(none)`;
    await this.rows(this.select(query, select, part, groups), stored && query.aggregate === "mean", bySeries);
  }

  private select(query: RangeQuery, fields: string, part: Omit<Part, "width">, groups: string): string {
    const where = [
      `time >= ${Math.round(part.from * 1000)}ms`,
      `time < ${Math.round(part.to * 1000)}ms`,
      ...Object.entries(query.match ?? {}).map(([k, v]) => `${quoteIdent(k)} = ${quoteText(v)}`),
    ].join(" AND ");
    return `SELECT ${fields} FROM ${quoteIdent(this.options.database)}.${quoteIdent(part.policy)}.${quoteIdent(query.metric)} WHERE ${where} ${groups}`;
  }

  /**
   * Adds the packed minutes of [part.from, part.to) to their series, but for the hours where fewer
   * of the series the query matches have a pack than have an hour bucket (not packed yet, or by an
   * older rpowatch): those come back as runs of [start, end) to read from the minute tier. One
   * request asks for both the hour buckets' count and the packs. Hour buckets are counted, not
   * minute buckets: counting a day of 1,000 volumes' minutes cost InfluxDB 1.6 about as much as
   * answering them.
   */
  private async packedRows(query: RangeQuery, part: Part, bySeries: SeriesRows): Promise<Array<[number, number]>> {
    const hours = new Map<number, number>();
    const packs = new Map<number, number>();
    const rows: Array<{ labels: Record<string, string>; time: number; text: string }> = [];
    const counted = this.select(
      query,
      'count("last")',
      { ...part, policy: POLICIES.hour },
      `GROUP BY time(${seconds(TIER_WIDTH.hour)}) fill(none)`,
    );
    const packed = this.select(query, `"${query.aggregate}"`, part, "GROUP BY *");
    await selectChunked(this.target, `${counted}; ${packed}`, "s", (s, statement) => {
      for (const [time, value] of s.values as Array<[number, number | string | null]>) {
        if (statement === 0) hours.set(time, value as number);
        else if (value !== null) {
          packs.set(time, (packs.get(time) ?? 0) + 1);
          rows.push({ labels: s.tags ?? {}, time, text: value as string });
        }
      }
    });
    const runs: Array<[number, number]> = [];
    for (const [time, n] of [...hours].sort(([a], [b]) => a - b)) {
      if (packs.get(time) === n) continue;
      const open = runs.at(-1);
      if (open && open[1] === time) open[1] = time + TIER_WIDTH.hour;
      else runs.push([time, time + TIER_WIDTH.hour]);
    }
    for (const { labels, time, text } of rows) {
      if (runs.some(([a, b]) => time >= a && time < b)) continue;
      const out = seriesRows(bySeries, labels);
      const minutes = unpackText(text);
      for (let i = 0; i < minutes.length; i++) {
        if (Number.isNaN(minutes[i])) continue;
        out.t.push(time + i * TIER_WIDTH.minute);
        out.v.push(minutes[i]!);
      }
    }
    return runs;
  }

  /** Adds a select's rows to their series: as read, or (`mean`) a stored sum divided by its count. */
  private async rows(sql: string, mean: boolean, bySeries: SeriesRows): Promise<void> {
    await selectChunked(this.target, sql, "s", (s) => {
      const out = seriesRows(bySeries, s.tags ?? {});
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

type SeriesRows = Map<string, Rows>;
interface Rows {
  labels: Record<string, string>;
  t: number[];
  v: number[];
}

/** Where a part of a range is read from: a policy, and its bucket width (null: raw points). */
interface Part {
  policy: string;
  from: number;
  to: number;
  width: number | null;
}

/** The rows of the series with these labels (empty tags left out of its key: a tier's answer may list a tag key other series of the measurement have). */
function seriesRows(bySeries: SeriesRows, labels: Record<string, string>): Rows {
  const key = JSON.stringify(
    Object.entries(labels)
      .filter(([, v]) => v !== "")
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  let out = bySeries.get(key);
  if (!out) {
    out = { labels, t: [], v: [] };
    bySeries.set(key, out);
  }
  return out;
}

/** A series' rows sorted by time (rows of unpacked hours came after the packs). */
function inTimeOrder(s: Rows): Rows {
  const order = s.t.map((_, i) => i).sort((a, b) => s.t[a]! - s.t[b]!);
  return { labels: s.labels, t: order.map((i) => s.t[i]!), v: order.map((i) => s.v[i]!) };
}

/** Lines for each tier a write or a rollup rebuilds. */
interface TierLines {
  minute: string[];
  hour: string[];
  packed: string[];
}

const emptyTierLines = (): TierLines => ({ minute: [], hour: [], packed: [] });

/**
 * Adds one series' minute buckets (ascending) to the lines: the minutes themselves (unless they
 * came from the minute tier), and for the hours they cover whole, in [wholeFrom, wholeTo), the
 * hour's bucket and its packed minutes.
 */
function addTierLines(
  out: TierLines,
  key: string,
  minutes: readonly Bucket[],
  wholeFrom: number,
  wholeTo: number,
  withMinutes = true,
): void {
  if (withMinutes) for (const b of minutes) out.minute.push(bucketLine(key, b));
  const whole = minutes.filter((b) => b.time >= wholeFrom && b.time < wholeTo);
  for (const b of foldBuckets(whole, TIER_WIDTH.hour)) out.hour.push(bucketLine(key, b));
  for (const p of packHours(whole)) out.packed.push(packedLine(key, p));
}
