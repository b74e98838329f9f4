/**
 * Starts history recording as configured: opens the store, records the feed's snapshots into it
 * through the on-disk buffer and, for the embedded store, rolls tiers up and applies retention
 * every minute.
 */
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { SnapshotFeed } from "../collector/snapshot-feed.ts";
import type { Logger } from "../lib/log.ts";
import { BufferedWriter } from "./buffer.ts";
import { type HistoryConfig, influxConnection } from "./config.ts";
import { EmbeddedStore } from "./embedded-store.ts";
import { InfluxStore } from "./influx-store.ts";
import { HistoryRecorder } from "./recorder.ts";
import { type SeriesOverrides, SnapshotSamples } from "./snapshot-samples.ts";
import type { HistoryStats } from "./stats.ts";
import type { HistoryReader, HistoryWriter } from "./store.ts";

const MAINTENANCE_INTERVAL_MS = 60_000;

export interface RunningHistory {
  recorder: HistoryRecorder;
  /** Range queries over the store being written, for the stack's history routes. */
  reader: HistoryReader;
  /** Where the history is kept, for the start-up message. */
  location: string;
  stop(): Promise<void>;
}

export interface StartHistoryOptions {
  config: HistoryConfig;
  /** The stack's data directory; relative paths of the history section are under it. */
  dataDir: string;
  feed: SnapshotFeed;
  /** The exporter's extractor overrides, so history holds what /metrics exports. */
  overrides: SeriesOverrides;
  /** The writer's own figures, which the exporter serves. */
  stats: HistoryStats;
  logger?: Logger;
}

export async function startHistory(options: StartHistoryOptions): Promise<RunningHistory> {
  const { config, logger } = options;
  const { store, location, maintain } = await openStore(options);
  const maintainQuietly = () =>
    maintain().catch((err) => logger?.error({ err }, "history tier roll-up or retention failed"));
  await maintainQuietly();
  const timer = setInterval(maintainQuietly, MAINTENANCE_INTERVAL_MS);
  timer.unref();
  const writer = await BufferedWriter.open(store, {
    dir: resolve(options.dataDir, config.buffer.dir),
    maxPoints: config.buffer.maxPoints,
    retryMinSeconds: config.buffer.retryMin,
    retryMaxSeconds: config.buffer.retryMax,
    stats: options.stats,
    logger,
  });
  const recorder = new HistoryRecorder({
    feed: options.feed,
    samples: new SnapshotSamples(options.overrides),
    writer,
    intervalSeconds: config.interval,
    logger,
  });
  recorder.start();
  return {
    recorder,
    reader: store,
    location,
    async stop() {
      clearInterval(timer);
      await recorder.stop();
    },
  };
}

/**
 * The configured store; the embedded one rolls its tiers up itself, InfluxDB by continuous queries
 * and the hours the store packs in its upkeep, or (client tiers) all in the store's upkeep.
 */
async function openStore({ config, dataDir, stats, logger }: StartHistoryOptions): Promise<{
  store: HistoryWriter & HistoryReader;
  location: string;
  maintain: () => Promise<void>;
}> {
  const s = config.store;
  if (s.kind === "influxdb") {
    const store = new InfluxStore({ ...influxConnection(s), retention: config.retention, stats, logger });
    return { store, location: `${s.url} database ${s.database}`, maintain: () => store.maintain() };
  }
  const location = resolve(dataDir, s.path);
  await mkdir(dirname(location), { recursive: true });
  const store = await EmbeddedStore.open(location, { retention: config.retention });
  return { store, location, maintain: () => store.maintain() };
}
