/**
 * Records the collector's output into history: takes the latest snapshot of the feed every
 * interval (like a scrape) and hands its samples to the history writer, one batch per snapshot.
 * A snapshot already recorded is not recorded twice, so an idle collector adds no weight to the
 * means. Writes run one after another; the writer (the buffer) decides what happens on failure.
 */
import type { ModelSnapshot } from "../collector/snapshot.ts";
import type { SnapshotFeed } from "../collector/snapshot-feed.ts";
import type { Logger } from "../lib/log.ts";
import type { SnapshotSamples } from "./snapshot-samples.ts";
import type { HistoryWriter } from "./store.ts";

export interface RecorderOptions {
  feed: SnapshotFeed;
  samples: SnapshotSamples;
  writer: HistoryWriter;
  intervalSeconds: number;
  logger?: Logger;
}

export class HistoryRecorder {
  private latest: ModelSnapshot | null = null;
  private recordedSeq = 0;
  private writing: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: RecorderOptions) {}

  start(): void {
    this.unsubscribe = this.options.feed.subscribe((next) => {
      this.latest = next;
    });
    this.timer = setInterval(() => this.record(), this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Records the latest snapshot now, unless it was recorded already; resolves once written. */
  record(): Promise<void> {
    const snapshot = this.latest;
    if (!snapshot || snapshot.seq === this.recordedSeq) return this.writing;
    this.recordedSeq = snapshot.seq;
    const samples = this.options.samples.of(snapshot);
    this.writing = this.writing
      .then(() => this.options.writer.write(samples))
      .catch((err) => this.options.logger?.error({ err, points: samples.length }, "writing history failed"));
    return this.writing;
  }

  /** Stops recording, writes the latest snapshot and closes the writer. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.record();
    await this.options.writer.close();
  }
}
