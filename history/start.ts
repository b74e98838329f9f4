/**
 * Starts history recording as configured: opens the store, records the feed's snapshots into it
 * and, for the embedded store, rolls tiers up and applies retention every minute.
 */
import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { SnapshotFeed } from "../collector/snapshot-feed.ts";
import type { Logger } from "../lib/log.ts";
import type { HistoryConfig } from "./config.ts";
import { EmbeddedStore } from "./embedded-store.ts";
import { HistoryRecorder } from "./recorder.ts";
import { type SeriesOverrides, SnapshotSamples } from "./snapshot-samples.ts";
import type { HistoryReader } from "./store.ts";

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
  logger?: Logger;
}

export async function startHistory(options: StartHistoryOptions): Promise<RunningHistory> {
  const { config, logger } = options;
  const location = resolve(options.dataDir, config.store.path);
  await mkdir(dirname(location), { recursive: true });
  const store = await EmbeddedStore.open(location, { retention: config.retention });
  const maintain = () =>
    store.maintain().catch((err) => logger?.error({ err }, "history tier roll-up or retention failed"));
  await maintain();
  const timer = setInterval(maintain, MAINTENANCE_INTERVAL_MS);
  timer.unref();
  const recorder = new HistoryRecorder({
    feed: options.feed,
    samples: new SnapshotSamples(options.overrides),
    writer: store,
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
