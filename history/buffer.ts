/**
 * The history buffer: a HistoryWriter in front of the store that never loses a point it has
 * accepted. A batch the store refuses (unreachable, timing out) is written to a file in the buffer
 * directory, and the files are replayed oldest first with exponential backoff until the store
 * takes them; they survive a restart of rpowatch. While anything is buffered, new batches join
 * the queue behind it. The buffer is bounded in points: a batch that would pass the bound is
 * dropped and counted, never half-kept.
 *
 * A file is `<sequence>-<points>.json`, written to a temporary name and renamed, so a crash
 * leaves either the whole batch or nothing; it is deleted only after the store accepted it.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";
import type { HistoryStats } from "./stats.ts";
import type { HistorySample, HistoryWriter } from "./store.ts";

export interface BufferOptions {
  dir: string;
  maxPoints: number;
  /** First retry delay and the most backoff doubles it to, in seconds. */
  retryMinSeconds: number;
  retryMaxSeconds: number;
  stats: HistoryStats;
  logger?: Logger;
}

interface Segment {
  sequence: number;
  points: number;
  file: string;
}

const SEGMENT_NAME = /^(\d+)-(\d+)\.json$/;

/** A batch in a compact form: metric names and label sets once, then (metric, labels, time, value) rows. */
interface SegmentBody {
  metrics: string[];
  labels: Array<Readonly<Record<string, string>>>;
  rows: number[];
}

function encode(samples: readonly HistorySample[]): string {
  const metricIndex = new Map<string, number>();
  const labelIndex = new Map<object, number>();
  const body: SegmentBody = { metrics: [], labels: [], rows: [] };
  for (const s of samples) {
    let m = metricIndex.get(s.metric);
    if (m === undefined) {
      m = body.metrics.push(s.metric) - 1;
      metricIndex.set(s.metric, m);
    }
    let l = labelIndex.get(s.labels);
    if (l === undefined) {
      l = body.labels.push(s.labels) - 1;
      labelIndex.set(s.labels, l);
    }
    body.rows.push(m, l, s.timestamp, s.value);
  }
  return JSON.stringify(body);
}

function decode(text: string): HistorySample[] {
  const body = JSON.parse(text) as SegmentBody;
  const samples: HistorySample[] = [];
  for (let i = 0; i < body.rows.length; i += 4) {
    samples.push({
      metric: body.metrics[body.rows[i]!]!,
      labels: body.labels[body.rows[i + 1]!]!,
      timestamp: body.rows[i + 2]!,
      // JSON has no NaN; a null read back is the NaN that went in (the store drops it).
      value: body.rows[i + 3] ?? Number.NaN,
    });
  }
  return samples;
}

export class BufferedWriter implements HistoryWriter {
  private readonly segments: Segment[] = [];
  private bufferedPoints = 0;
  private nextSequence = 0;
  /** The write or replay talking to the store now; at most one at a time. */
  private busy: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failuresInRow = 0;
  private closed = false;

  private constructor(
    private readonly store: HistoryWriter,
    private readonly options: BufferOptions,
  ) {}

  /** Opens the buffer directory (creating it), takes up files left by a previous run and starts replaying them. */
  static async open(store: HistoryWriter, options: BufferOptions): Promise<BufferedWriter> {
    const buffer = new BufferedWriter(store, options);
    await mkdir(options.dir, { recursive: true });
    for (const name of (await readdir(options.dir)).sort()) {
      const m = SEGMENT_NAME.exec(name);
      if (!m) continue;
      buffer.segments.push({ sequence: Number(m[1]), points: Number(m[2]), file: join(options.dir, name) });
    }
    buffer.segments.sort((a, b) => a.sequence - b.sequence);
    buffer.bufferedPoints = buffer.segments.reduce((n, s) => n + s.points, 0);
    buffer.nextSequence = (buffer.segments.at(-1)?.sequence ?? -1) + 1;
    options.stats.bufferOpened(options.maxPoints, buffer.bufferedPoints);
    if (buffer.segments.length > 0) {
      options.logger?.info({ points: buffer.bufferedPoints, dir: options.dir }, "replaying buffered history");
      buffer.scheduleReplay(0);
    }
    return buffer;
  }

  /** Points waiting in the buffer. */
  buffered(): number {
    return this.bufferedPoints;
  }

  /**
   * Hands a batch to the store, or to the buffer when the store fails or a backlog is waiting.
   * Resolves once the batch is in the store or on disk; rejects only when it had to be dropped.
   */
  async write(samples: readonly HistorySample[]): Promise<void> {
    if (samples.length === 0) return;
    if (this.closed) throw new Error("history buffer is closed");
    if (this.segments.length === 0 && !this.busy) {
      const direct = this.attempt(samples);
      this.busy = direct.then(() => {});
      const accepted = await direct;
      this.busy = null;
      // Batches that arrived during the attempt were buffered behind it: replay them now.
      if (this.segments.length > 0 && !this.retryTimer) this.scheduleReplay(accepted ? 0 : this.backoffSeconds());
      if (accepted) return;
    }
    await this.keep(samples);
    if (!this.busy && !this.retryTimer) this.scheduleReplay(this.backoffSeconds());
  }

  /** Writes to the store; true when it took the batch. */
  private async attempt(samples: readonly HistorySample[]): Promise<boolean> {
    try {
      await this.store.write(samples);
      this.options.stats.wrote(samples.length);
      this.failuresInRow = 0;
      return true;
    } catch (err) {
      this.options.stats.writeFailed();
      this.failuresInRow += 1;
      if (this.failuresInRow === 1) this.options.logger?.warn({ err }, "history store refused a write; buffering");
      return false;
    }
  }

  private async keep(samples: readonly HistorySample[]): Promise<void> {
    const points = samples.length;
    if (this.bufferedPoints + points > this.options.maxPoints) {
      this.options.stats.droppedPoints(points);
      this.options.logger?.error(
        { points, buffered: this.bufferedPoints, maxPoints: this.options.maxPoints },
        "history buffer full: batch dropped",
      );
      throw new Error(
        `history buffer full (${this.bufferedPoints} of ${this.options.maxPoints} points): ${points} points dropped`,
      );
    }
    const sequence = this.nextSequence++;
    const file = join(this.options.dir, `${String(sequence).padStart(12, "0")}-${points}.json`);
    await writeFile(`${file}.tmp`, encode(samples));
    await rename(`${file}.tmp`, file);
    this.segments.push({ sequence, points, file });
    this.bufferedPoints += points;
    this.options.stats.bufferHolds(this.bufferedPoints);
  }

  private backoffSeconds(): number {
    const { retryMinSeconds, retryMaxSeconds } = this.options;
    return Math.min(retryMaxSeconds, retryMinSeconds * 2 ** Math.max(0, this.failuresInRow - 1));
  }

  private scheduleReplay(delaySeconds: number): void {
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.busy = this.replay().finally(() => {
        this.busy = null;
      });
    }, delaySeconds * 1000);
    this.retryTimer.unref();
  }

  /** Replays buffered files oldest first until the buffer is empty or the store fails again. */
  private async replay(): Promise<void> {
    while (this.segments.length > 0 && !this.closed) {
      const segment = this.segments[0]!;
      const samples = decode(await readFile(segment.file, "utf8"));
      if (!(await this.attempt(samples))) {
        this.scheduleReplay(this.backoffSeconds());
        return;
      }
      await rm(segment.file);
      this.segments.shift();
      this.bufferedPoints -= segment.points;
      this.options.stats.bufferHolds(this.bufferedPoints);
    }
    if (this.bufferedPoints === 0 && this.failuresInRow === 0) this.options.logger?.info("history buffer drained");
  }

  /** Resolves once nothing is buffered (for tests and a clean stop); gives up after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.segments.length > 0 || this.busy) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /** Stops retrying (buffered files stay for the next start) and closes the store. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.busy;
    await this.store.close();
  }
}
