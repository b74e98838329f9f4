/**
 * The `history` section of the stack configuration (docs/history.md): which store keeps the
 * history (the embedded DuckDB file by default, or InfluxDB: 1.x, or the v1-compatible API of 2.x and
 * 3.x with client-side tiers), how often the collector's
 * snapshot is recorded, each tier's retention, and the on-disk buffer used while the store is
 * unreachable. Relative paths are under the stack's `dataDir`.
 */
import { z } from "zod";
import { duration, resolveSecret, secretRef } from "../lib/config-file.ts";
import { DEFAULT_RETENTION, TIER_MODES } from "./tiers.ts";

const embeddedStoreConfig = z
  .object({
    kind: z.literal("embedded"),
    /** The DuckDB file; default `<dataDir>/history.duckdb`. */
    path: z.string().min(1).default("history.duckdb"),
  })
  .strict();

const influxStoreConfig = z
  .object({
    kind: z.literal("influxdb"),
    /** InfluxDB 1.x HTTP API, or the v1-compatible API of InfluxDB 2 and 3 with `tiers: client`. */
    url: z.url({ protocol: /^https?$/ }),
    database: z.string().min(1).default("rpowatch"),
    username: z.string().min(1).optional(),
    password: secretRef.optional(),
    /** Per-request timeout; a write that takes longer counts as failed and is buffered. */
    timeout: duration.default(10),
    /**
     * Who lays out and fills the minute and hour tiers (docs/history.md): `server`, InfluxDB 1.x
     * itself (rpowatch creates the database, retention policies and continuous queries); `client`,
     * rpowatch's upkeep, into a database and policies (buckets mapped by DBRP) the operator made,
     * with no CREATE statement, as the v1-compatible API of InfluxDB 2 and 3 requires.
     */
    tiers: z.enum(TIER_MODES).default("server"),
  })
  .strict();

export type InfluxStoreConfig = z.output<typeof influxStoreConfig>;

/** How to reach a configured InfluxDB store, its password resolved (history/influx-store.ts options). */
export function influxConnection(s: InfluxStoreConfig) {
  return {
    url: s.url,
    database: s.database,
    ...(s.username && { username: s.username }),
    ...(s.password && { password: resolveSecret(s.password) }),
    timeoutSeconds: s.timeout,
    tiers: s.tiers,
  };
}

export const historyStoreConfig = z.discriminatedUnion("kind", [embeddedStoreConfig, influxStoreConfig]);
export type HistoryStoreConfig = z.output<typeof historyStoreConfig>;

const DEFAULTS = {
  enabled: true,
  interval: 10,
  store: { kind: "embedded" as const, path: "history.duckdb" },
  retention: DEFAULT_RETENTION,
  buffer: { dir: "history-buffer", maxPoints: 5_000_000, retryMin: 1, retryMax: 60 },
};

export const historyConfig = z
  .object({
    enabled: z.boolean().default(DEFAULTS.enabled),
    /** How often the collector's latest snapshot is recorded (like a scrape interval). */
    interval: duration.refine((s) => s >= 1, "the interval must be at least 1s").default(DEFAULTS.interval),
    store: historyStoreConfig.default(DEFAULTS.store),
    /** How long each tier keeps its points. */
    retention: z
      .object({
        raw: duration.default(DEFAULTS.retention.raw),
        minute: duration.default(DEFAULTS.retention.minute),
        hour: duration.default(DEFAULTS.retention.hour),
      })
      .strict()
      .refine(
        (r) => r.raw <= r.minute && r.minute <= r.hour,
        "each tier must keep its points at least as long as the one before",
      )
      .default(DEFAULTS.retention),
    /** Points kept on disk while the store is unreachable, retried with exponential backoff. */
    buffer: z
      .object({
        /** Default `<dataDir>/history-buffer`. */
        dir: z.string().min(1).default(DEFAULTS.buffer.dir),
        maxPoints: z.number().int().min(1).default(DEFAULTS.buffer.maxPoints),
        retryMin: duration.default(DEFAULTS.buffer.retryMin),
        retryMax: duration.default(DEFAULTS.buffer.retryMax),
      })
      .strict()
      .default(DEFAULTS.buffer),
  })
  .strict();

export type HistoryConfig = z.output<typeof historyConfig>;
export const DEFAULT_HISTORY_CONFIG: HistoryConfig = historyConfig.parse({});
