/**
 * Workload generator: writes to NBD exports at a configured change rate and profile, so that
 * replication has realistic changes to carry. Random 4 KiB-aligned offsets, writes of 4–64 KiB,
 * an occasional FLUSH; one connection per export with a few writes in flight; reconnects with
 * backoff when the server goes away (e.g. the engine restarts).
 */
import type { Logger } from "../../lib/log.ts";
import { NbdClient } from "../nbd/client.ts";
import { type ProfileName, type ProfileOptions, rateFunction } from "./profile.ts";
import { sleep, TokenBucket } from "./token-bucket.ts";

export interface WorkloadOptions {
  host: string;
  port: number;
  exports: string[];
  profile: ProfileName;
  /** Profile parameters; `averageRate` is the change rate of *each* export, bytes/s. */
  profileOptions: ProfileOptions;
  /** Writes in flight per export (default 8). */
  queueDepth?: number;
  /** Chance that a write is followed by a FLUSH (default 0.02). */
  flushProbability?: number;
  /** Seed of the offset/size sequence, for repeatable runs. */
  seed?: number;
  logger: Logger;
}

export interface ExportWorkloadStats {
  export: string;
  connected: boolean;
  bytesWritten: number;
  writeOps: number;
  flushOps: number;
  /** Requests that failed (error reply or connection lost before the reply). */
  failedOps: number;
  reconnects: number;
}

const BLOCK = 4096;
const MIN_WRITE = 4 * 1024;
const MAX_WRITE = 64 * 1024;
const DATA_POOL_BYTES = 1024 * 1024;

/** mulberry32: a small, fast, seedable PRNG; the workload needs repeatability, not security. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Write payloads are slices of a pool that is half random, half text, so that compression on
 * the link sees data of roughly 2:1 compressibility rather than all-random or all-zero blocks.
 */
function dataPool(random: () => number): Buffer {
  const pool = Buffer.alloc(DATA_POOL_BYTES);
  const text = Buffer.from("rpowatch workload: the quick brown fox jumps over the lazy dog 0123456789\n");
  for (let at = 0; at < pool.length; at += 8192) {
    for (let i = at; i < at + 4096; i += 4) pool.writeUInt32LE(Math.floor(random() * 2 ** 32), i);
    for (let i = at + 4096; i < at + 8192; i++) pool[i] = text[i % text.length]!;
  }
  return pool;
}

export class WorkloadGenerator {
  private readonly abort = new AbortController();
  private readonly stats: ExportWorkloadStats[];
  private workers: Promise<void>[] = [];
  private readonly random: () => number;
  private readonly pool: Buffer;
  private readonly log: Logger;

  constructor(private readonly options: WorkloadOptions) {
    if (options.exports.length === 0) throw new Error("no export to write to");
    rateFunction(options.profile, options.profileOptions); // validates the profile parameters early
    this.random = prng(options.seed ?? Date.now());
    this.pool = dataPool(this.random);
    this.log = options.logger.child({ component: "workload" });
    this.stats = options.exports.map((name) => ({
      export: name,
      connected: false,
      bytesWritten: 0,
      writeOps: 0,
      flushOps: 0,
      failedOps: 0,
      reconnects: 0,
    }));
  }

  /**
   * Connects to every export (failing if any cannot be opened now, e.g. a wrong name), then
   * starts writing. Later connection losses are retried until `stop()`.
   */
  async start(): Promise<void> {
    const clients = await Promise.all(this.options.exports.map((name) => this.connect(name)));
    this.workers = clients.map((client, i) => this.run(this.stats[i]!, client));
  }

  /** Stops writing, waits for writes in flight and disconnects. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.workers);
  }

  snapshot(): ExportWorkloadStats[] {
    return this.stats.map((s) => ({ ...s }));
  }

  private connect(exportName: string): Promise<NbdClient> {
    return NbdClient.connect({ host: this.options.host, port: this.options.port, exportName });
  }

  private async run(stats: ExportWorkloadStats, first: NbdClient): Promise<void> {
    const signal = this.abort.signal;
    const bucket = new TokenBucket(rateFunction(this.options.profile, this.options.profileOptions), MAX_WRITE);
    let client: NbdClient | undefined = first;
    let backoffMs = 100;
    while (!signal.aborted) {
      if (!client) {
        try {
          client = await this.connect(stats.export);
          stats.reconnects++;
          backoffMs = 100;
          this.log.info({ export: stats.export }, "reconnected");
        } catch (err) {
          this.log.debug({ export: stats.export, err: (err as Error).message }, "reconnect failed");
          await sleep(backoffMs, signal);
          backoffMs = Math.min(backoffMs * 2, 2000);
          continue;
        }
      }
      stats.connected = true;
      await this.writeUntilFailure(client, stats, bucket, signal);
      stats.connected = false;
      if (signal.aborted) await client.disconnect().catch(() => client?.destroy());
      else this.log.warn({ export: stats.export }, "connection to NBD server lost; reconnecting");
      client.destroy();
      client = undefined;
    }
  }

  /** Issues writes at the bucket's pace until stopped or the connection fails. */
  private async writeUntilFailure(
    client: NbdClient,
    stats: ExportWorkloadStats,
    bucket: TokenBucket,
    signal: AbortSignal,
  ): Promise<void> {
    const depth = this.options.queueDepth ?? 8;
    const flushProbability = this.options.flushProbability ?? 0.02;
    const blocks = Math.floor(client.size / BLOCK);
    const inFlight = new Set<Promise<void>>();
    let failed = false;
    const issue = (op: Promise<void>, onDone: () => void) => {
      const p = op.then(onDone, (err: Error) => {
        stats.failedOps++;
        failed = true;
        this.log.debug({ export: stats.export, err: err.message }, "request failed");
      });
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    };
    while (!signal.aborted && !failed) {
      const length = Math.min(MIN_WRITE * (1 + Math.floor(this.random() * (MAX_WRITE / MIN_WRITE))), blocks * BLOCK);
      if (!(await bucket.take(length, signal))) break;
      if (inFlight.size >= depth) await Promise.race(inFlight);
      if (failed) break;
      const offset = Math.floor(this.random() * (blocks - length / BLOCK + 1)) * BLOCK;
      const start = Math.floor(this.random() * (DATA_POOL_BYTES - length));
      issue(client.write(offset, this.pool.subarray(start, start + length)), () => {
        stats.bytesWritten += length;
        stats.writeOps++;
      });
      if (this.random() < flushProbability) issue(client.flush(), () => stats.flushOps++);
    }
    await Promise.all(inFlight);
  }
}
