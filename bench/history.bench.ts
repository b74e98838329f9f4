/**
 * History writing: write throughput of the embedded store and of InfluxDB in points per second
 * (snapshots of 10,000 volumes, as the recorder writes them), and the collector's CPU cost of
 * recording history at 10,000 volumes every 10 s: extracting one snapshot's samples and writing
 * them through the buffer into the embedded store, as a share of one core over the interval; and
 * the InfluxDB store's hourly upkeep (packing an hour of minutes) at that scale.
 */
import { join } from "node:path";
import { Collector } from "../collector/collector.ts";
import { BufferedWriter } from "../history/buffer.ts";
import { EmbeddedStore } from "../history/embedded-store.ts";
import { bucketLine, seriesKey } from "../history/influx-lines.ts";
import { InfluxStore } from "../history/influx-store.ts";
import { SnapshotSamples } from "../history/snapshot-samples.ts";
import { HistoryStats } from "../history/stats.ts";
import { type HistorySample, type HistoryWriter, storable } from "../history/store.ts";
import { DEFAULT_RETENTION } from "../history/tiers.ts";
import { startInfluxDB } from "../test/services/influxdb.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { sourceSnapshot } from "./collector-exporter.ts";
import { processCpuSeconds, settle } from "./process-cpu.ts";
import type { Bench, BenchFigure } from "./types.ts";

const SNAPSHOTS = 12;
const INTERVAL_S = 10;

/** Snapshot samples of 10,000 volumes, one batch per 10 s cycle, with recent timestamps. */
function batches(): HistorySample[][] {
  let clock = Math.floor(Date.now() / 1000) - SNAPSHOTS * INTERVAL_S;
  const collector = new Collector({
    sources: [
      { name: "paris", kind: "push", staleAfterSeconds: Number.POSITIVE_INFINITY, start() {}, stop: async () => {} },
    ],
    rateWindowSeconds: 60,
    clock: () => clock,
  });
  const samples = new SnapshotSamples();
  const out: HistorySample[][] = [];
  for (let cycle = 1; cycle <= SNAPSHOTS; cycle++) {
    clock += INTERVAL_S;
    collector.sinkFor("paris").snapshot(sourceSnapshot(cycle), { durationSeconds: 0, samples: 1 });
    out.push(samples.of(collector.current()));
  }
  return out;
}

async function throughput(writer: HistoryWriter, all: HistorySample[][]): Promise<number> {
  const started = performance.now();
  let points = 0;
  for (const batch of all) {
    await writer.write(batch);
    points += batch.length;
  }
  return points / ((performance.now() - started) / 1000);
}

/**
 * The InfluxDB store's hourly upkeep at this scale: an hour of minute buckets for every series of
 * a snapshot, written into the minute policy as its continuous query leaves them, then the
 * maintain() run that packs that hour, as the collector runs it each minute.
 */
async function packCost(
  url: string,
  pid: number,
  snapshot: readonly HistorySample[],
): Promise<{ clientSeconds: number; serverSeconds: number; wallSeconds: number; buckets: number }> {
  const hour = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;
  // The first run makes the database and packs the (empty) hours before this one.
  let now = hour + 720;
  const store = new InfluxStore({
    url,
    database: "upkeep",
    timeoutSeconds: 600,
    retention: DEFAULT_RETENTION,
    now: () => now,
  });
  await store.maintain();
  const series = snapshot.filter(storable).map((s) => ({ key: seriesKey(s.metric, s.labels), value: s.value }));
  for (let m = 0; m < 60; m++) {
    const lines = series.map(({ key, value }) => {
      const v = value + m;
      return bucketLine(key, { time: hour + m * 60, min: v, max: v, sum: v, count: 1, last: v });
    });
    for (let i = 0; i < lines.length; i += 20_000) {
      const body = lines.slice(i, i + 20_000).join("\n");
      const response = await fetch(`${url}/write?db=upkeep&rp=m1&precision=s`, { method: "POST", body });
      if (response.status !== 204) throw new Error(`InfluxDB refused minute buckets: ${await response.text()}`);
    }
  }
  // The hour ended 12 minutes ago: the next run packs it, once InfluxDB has compacted those writes.
  await settle(pid);
  now = hour + 3600 + 720;
  const server = processCpuSeconds(pid);
  const client = process.cpuUsage();
  const started = performance.now();
  await store.maintain();
  const used = process.cpuUsage(client);
  return {
    clientSeconds: (used.user + used.system) / 1e6,
    serverSeconds: processCpuSeconds(pid) - server,
    wallSeconds: (performance.now() - started) / 1000,
    buckets: series.length * 60,
  };
}

export const bench: Bench = {
  name: "history",
  description:
    "History writing at 10,000 volumes: points/s into the embedded DuckDB store and into InfluxDB 1.x (one batch per collector snapshot), the collector's CPU share of recording a snapshot every 10 s, and the CPU of the InfluxDB store's hourly upkeep.",
  async run(progress) {
    const dir = await makeTempDir("bench-history");
    const figures: BenchFigure[] = [];
    const notes: string[] = [];
    try {
      progress("building snapshots of 10,000 volumes");
      const all = batches();
      const perSnapshot = all[0]!.length;
      notes.push(`${perSnapshot} points per snapshot of 10,000 volumes in 100 groups; ${SNAPSHOTS} snapshots per run.`);

      progress("embedded store");
      const embedded = await EmbeddedStore.open(join(dir, "bench.duckdb"));
      const embeddedRate = await throughput(embedded, all);
      await embedded.close();
      figures.push({ name: "embedded store write", unit: "points/s", ours: embeddedRate });

      progress("InfluxDB");
      const influx = await startInfluxDB();
      try {
        const store = new InfluxStore({
          url: influx.url,
          database: "bench",
          timeoutSeconds: 120,
          retention: DEFAULT_RETENTION,
        });
        const influxRate = await throughput(store, all);
        figures.push({ name: "InfluxDB 1.x write", unit: "points/s", ours: influxRate });
        progress("InfluxDB upkeep: an hour of minutes packed");
        const upkeep = await packCost(influx.url, influx.pid, all[0]!);
        figures.push(
          {
            name: "InfluxDB upkeep, packing an hour of 10,000 volumes: rpowatch CPU",
            unit: "s",
            ours: upkeep.clientSeconds,
          },
          {
            name: "InfluxDB upkeep, packing an hour of 10,000 volumes: influxd CPU",
            unit: "s",
            ours: upkeep.serverSeconds,
          },
          {
            name: "InfluxDB upkeep's CPU share (both processes), 10,000 volumes",
            unit: "% of a core",
            ours: ((upkeep.clientSeconds + upkeep.serverSeconds) / 3600) * 100,
            lowerIsBetter: true,
          },
        );
        notes.push(
          `InfluxDB upkeep: once an hour rpowatch reads the hour's minute buckets back (${upkeep.buckets} here) and writes the hour's buckets and packed minutes (history/influx-store.ts maintain); measured on an hour of 1-minute buckets for every series of a snapshot, written into the minute policy first as its continuous query leaves them, InfluxDB then left to settle (under 10 % of a core over 5 s); CPU of this process (process.cpuUsage) and of influxd (/proc) over that run, ${upkeep.wallSeconds.toFixed(1)} s wall. The continuous queries' own load is not measured.`,
        );
      } finally {
        await influx.stop();
      }

      progress("recording CPU at a 10 s interval");
      const store = await EmbeddedStore.open(join(dir, "cpu.duckdb"));
      const writer = await BufferedWriter.open(store, {
        dir: join(dir, "buffer"),
        maxPoints: 10_000_000,
        retryMinSeconds: 1,
        retryMaxSeconds: 60,
        stats: new HistoryStats(),
      });
      let clock = Math.floor(Date.now() / 1000);
      const collector = new Collector({
        sources: [
          {
            name: "paris",
            kind: "push",
            staleAfterSeconds: Number.POSITIVE_INFINITY,
            start() {},
            stop: async () => {},
          },
        ],
        rateWindowSeconds: 60,
        clock: () => clock,
      });
      const samples = new SnapshotSamples();
      let cpuMicros = 0;
      for (let cycle = 1; cycle <= SNAPSHOTS; cycle++) {
        clock += INTERVAL_S;
        collector.sinkFor("paris").snapshot(sourceSnapshot(cycle), { durationSeconds: 0, samples: 1 });
        const before = process.cpuUsage();
        await writer.write(samples.of(collector.current()));
        const used = process.cpuUsage(before);
        // DuckDB's own threads count too: cpuUsage covers every thread of the process.
        if (cycle > 2) cpuMicros += used.user + used.system;
      }
      await store.maintain();
      await writer.close();
      const share = cpuMicros / 1e6 / ((SNAPSHOTS - 2) * INTERVAL_S);
      figures.push({
        name: "CPU of recording history, 10,000 volumes every 10 s",
        unit: "% of a core",
        ours: share * 100,
        aim: "≤ 10%",
        ratio: 10 / (share * 100),
      });
      notes.push(
        "CPU share: process CPU time (all threads, DuckDB's included) of extracting and writing each snapshot, over the 10 s interval; the first two snapshots (series creation) are left out.",
      );
      return { name: "history", description: bench.description, figures, notes };
    } finally {
      await removeTempDir(dir);
    }
  },
};
