/**
 * History writing: write throughput of the embedded store and of InfluxDB in points per second
 * (snapshots of 10,000 volumes, as the recorder writes them), and the collector's CPU cost of
 * recording history at 10,000 volumes every 10 s: extracting one snapshot's samples and writing
 * them through the buffer into the embedded store, as a share of one core over the interval; and
 * what the InfluxDB store's tiers cost at that scale: the server tiers' hourly upkeep (packing an
 * hour of minutes) and minute continuous query, the client tiers' upkeep (rolling minutes and
 * hours up), in CPU seconds of rpowatch and influxd.
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { Collector } from "../collector/collector.ts";
import { BufferedWriter } from "../history/buffer.ts";
import { EmbeddedStore } from "../history/embedded-store.ts";
import { bucketLine, seriesKey } from "../history/influx-lines.ts";
import { InfluxStore, RESAMPLE } from "../history/influx-store.ts";
import { SnapshotSamples } from "../history/snapshot-samples.ts";
import { HistoryStats } from "../history/stats.ts";
import { type HistorySample, type HistoryWriter, storable } from "../history/store.ts";
import { DEFAULT_RETENTION } from "../history/tiers.ts";
import { type InfluxDBInstance, type InfluxDBOptions, startInfluxDB } from "../test/services/influxdb.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { sourceSnapshot } from "./collector-exporter.ts";
import { selectedParts } from "./parts.ts";
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

/** Runs a part against an influxd of its own, so that no other part's writes or continuous queries count in its figures. */
async function onOwnInfluxDB<T>(options: InfluxDBOptions, part: (influx: InfluxDBInstance) => Promise<T>): Promise<T> {
  const influx = await startInfluxDB(options);
  try {
    return await part(influx);
  } finally {
    await influx.stop();
  }
}

/** CPU seconds of one task: rpowatch's (process.cpuUsage, every thread) and influxd's (/proc), and its wall time. */
interface TaskCpu {
  clientSeconds: number;
  serverSeconds: number;
  wallSeconds: number;
}

/**
 * Measures one task, influxd first left to settle (see settle) so that its compactions of what was
 * written before do not count as the task's work.
 */
async function cpuOf(pid: number, task: () => Promise<void>): Promise<TaskCpu> {
  await settle(pid);
  const server = processCpuSeconds(pid);
  const client = process.cpuUsage();
  const started = performance.now();
  await task();
  const used = process.cpuUsage(client);
  return {
    clientSeconds: (used.user + used.system) / 1e6,
    serverSeconds: processCpuSeconds(pid) - server,
    wallSeconds: (performance.now() - started) / 1000,
  };
}

const seriesOf = (snapshot: readonly HistorySample[]) =>
  snapshot.filter(storable).map((s) => ({ key: seriesKey(s.metric, s.labels), value: s.value }));

/**
 * Writes a minute bucket of every series for minutes [first, last) of the hour into the minute
 * policy, as the continuous query (server tiers) or the upkeep (client tiers) leaves them.
 */
async function writeMinuteBuckets(
  url: string,
  database: string,
  series: ReadonlyArray<{ key: string; value: number }>,
  hour: number,
  first: number,
  last: number,
): Promise<void> {
  for (let m = first; m < last; m++) {
    const lines = series.map(({ key, value }) => {
      const v = value + m;
      return bucketLine(key, { time: hour + m * 60, min: v, max: v, sum: v, count: 1, last: v });
    });
    for (let i = 0; i < lines.length; i += 20_000) {
      const body = lines.slice(i, i + 20_000).join("\n");
      const response = await fetch(`${url}/write?db=${database}&rp=m1&precision=s`, { method: "POST", body });
      if (response.status !== 204) throw new Error(`InfluxDB refused minute buckets: ${await response.text()}`);
    }
  }
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
): Promise<TaskCpu & { buckets: number }> {
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
  const series = seriesOf(snapshot);
  await writeMinuteBuckets(url, "upkeep", series, hour, 0, 60);
  // The hour ended 12 minutes ago: the next run packs it, once InfluxDB has compacted those writes.
  now = hour + 3600 + 720;
  return { ...(await cpuOf(pid, () => store.maintain())), buckets: series.length * 60 };
}

/** Minutes of the hour the client-tier upkeep rolls up from raw points (the rest written as its buckets). */
const ROLLED_MINUTES = 5;

/**
 * The client-tier upkeep at this scale, on an InfluxDB running no continuous query (as 2 and 3):
 * the database and policies made beforehand as the operator does; an hour whose first minutes are
 * in the minute tier already (written in the upkeep's fields), and whose last ROLLED_MINUTES
 * minutes are recorded (a snapshot every 10 s) and rolled up one upkeep run each, on the store's
 * clock a minute after each ends, as the collector runs it. The run for the hour's last minute
 * also writes the hour's h1 bucket and pack.
 */
async function clientUpkeep(
  influx: InfluxDBInstance,
  all: readonly HistorySample[][],
  progress: (line: string) => void,
): Promise<{ minutes: TaskCpu[]; hourRun: TaskCpu; points: number }> {
  const database = "client";
  const r = DEFAULT_RETENTION;
  await influx.query(`CREATE DATABASE "${database}" WITH DURATION ${r.raw}s NAME "raw"`);
  for (const [policy, duration] of [
    ["m1", r.minute],
    ["h1", r.hour],
    ["m1h", r.minute],
  ] as const) {
    await influx.query(`CREATE RETENTION POLICY "${policy}" ON "${database}" DURATION ${duration}s REPLICATION 1`);
  }
  const hour = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;
  const firstRolled = 60 - ROLLED_MINUTES;
  progress(`client tiers: minutes 0-${firstRolled - 1} of an hour into m1`);
  await writeMinuteBuckets(influx.url, database, seriesOf(all[0]!), hour, 0, firstRolled);
  let now = hour + firstRolled * 60 + 60;
  const store = new InfluxStore({
    url: influx.url,
    database,
    timeoutSeconds: 600,
    retention: r,
    tiers: "client",
    now: () => now,
  });
  // The first run ever catches up from the raw retention (nothing there) and records its progress.
  await store.maintain();
  const minutes: TaskCpu[] = [];
  let points = 0;
  for (let m = firstRolled; m < 60; m++) {
    for (let k = 0; k < 6; k++) {
      const batch = all[(m * 6 + k) % all.length]!;
      await store.write(batch.map((s) => ({ ...s, timestamp: hour + m * 60 + k * 10 })));
      points += batch.length;
    }
    now = hour + m * 60 + 120;
    const run = await cpuOf(influx.pid, () => store.maintain());
    progress(
      `client tiers: minute ${m} rolled up: rpowatch ${run.clientSeconds.toFixed(2)} s, influxd ${run.serverSeconds.toFixed(2)} s CPU`,
    );
    minutes.push(run);
  }
  return { minutes: minutes.slice(0, -1), hourRun: minutes.at(-1)!, points: points / ROLLED_MINUTES };
}

/** Seconds of each window over which influxd's CPU is read, with continuous queries and without. */
const CQ_WINDOW = 180;
/** influxd's CPU over a window, and the continuous query runs that ended in it, or failed. */
interface CqWindow {
  cpuSeconds: number;
  runs: number;
  failed: number;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The server tiers' minute continuous query at this scale, on InfluxDB's own schedule: a snapshot
 * written every 10 s with current timestamps throughout (after 6 minutes of them written at once,
 * so that every run resamples a full window, RESAMPLE.minute), influxd's CPU read over CQ_WINDOW seconds with
 * the store's continuous queries dropped, then over as long with them made again (from 30 s after
 * the first minute boundary that follows, so that their first run does not count). The
 * difference is the continuous queries' (the hourly one runs at no hour boundary in the windows).
 */
async function cqLoad(
  influx: InfluxDBInstance,
  all: readonly HistorySample[][],
  progress: (line: string) => void,
): Promise<{ without: CqWindow; with: CqWindow; snapshots: number }> {
  const database = "cq";
  const open = () => new InfluxStore({ url: influx.url, database, timeoutSeconds: 120, retention: DEFAULT_RETENTION });
  const store = open();
  // Makes the database, its policies and continuous queries.
  await store.maintain();
  for (const name of ["rpowatch_m1", "rpowatch_h1"]) {
    await influx.query(`DROP CONTINUOUS QUERY "${name}" ON "${database}"`);
  }
  let k = 0;
  const writeAt = (t: number) => store.write(all[k++ % all.length]!.map((s) => ({ ...s, timestamp: t })));
  const start = Math.floor(Date.now() / 1000);
  progress("continuous queries: 6 minutes of snapshots written at once");
  for (let t = start - 360; t < start; t += 10) await writeAt(t);
  let writing = true;
  const writer = (async () => {
    while (writing) {
      const started = Date.now();
      await writeAt(started / 1000);
      await sleep(Math.max(0, 10_000 - (Date.now() - started)));
    }
  })();
  // The continuous query service counts the runs that ended, and those that failed.
  const runs = async () => {
    const [stats] = await influx.query("SHOW STATS FOR 'cq'");
    const { columns, values } = stats!.series![0]!;
    return {
      ok: values[0]![columns.indexOf("queryOk")] as number,
      failed: values[0]![columns.indexOf("queryFail")] as number,
    };
  };
  const window = async (): Promise<CqWindow> => {
    const [before, runsBefore] = [processCpuSeconds(influx.pid), await runs()];
    await sleep(CQ_WINDOW * 1000);
    const [after, runsAfter] = [processCpuSeconds(influx.pid), await runs()];
    return {
      cpuSeconds: after - before,
      runs: runsAfter.ok - runsBefore.ok,
      failed: runsAfter.failed - runsBefore.failed,
    };
  };
  try {
    progress(`continuous queries: influxd CPU over ${CQ_WINDOW} s of writes without them`);
    await sleep(30_000);
    const without = await window();
    // A new store makes its schema again: the continuous queries are back.
    await open().maintain();
    await sleep((60 - ((Date.now() / 1000) % 60) + 30) * 1000);
    progress(`continuous queries: influxd CPU over ${CQ_WINDOW} s of writes with them`);
    const withQueries = await window();
    return { without, with: withQueries, snapshots: k };
  } finally {
    writing = false;
    await writer;
  }
}

/**
 * One run of the server tiers' hourly continuous query at this scale, as InfluxDB runs it on the
 * hour: its own statement, read back with SHOW CONTINUOUS QUERIES (the scheduled queries dropped,
 * so that it runs only here), over the RESAMPLE.hour window a run covers, two hours of minute
 * buckets for every series of a snapshot in it; influxd left to settle first (cpuOf).
 */
async function hourlyQueryRun(
  influx: InfluxDBInstance,
  snapshot: readonly HistorySample[],
  progress: (line: string) => void,
): Promise<TaskCpu & { buckets: number; written: number }> {
  const database = "cqhour";
  const start = Math.floor(Date.now() / 1000 / 3600) * 3600 - 86_400;
  const store = new InfluxStore({
    url: influx.url,
    database,
    timeoutSeconds: 600,
    retention: DEFAULT_RETENTION,
    now: () => start,
  });
  // Makes the database, its policies and continuous queries.
  await store.maintain();
  const [listed] = await influx.query(`SHOW CONTINUOUS QUERIES`);
  const text = listed?.series?.find((s) => s.name === database)?.values.find((v) => v[0] === "rpowatch_h1")?.[1];
  const parts = typeof text === "string" ? /BEGIN (.+) GROUP BY (.+) END$/s.exec(text) : null;
  if (!parts) throw new Error(`no hourly continuous query of the shape expected: ${JSON.stringify(text)}`);
  for (const name of ["rpowatch_m1", "rpowatch_h1"])
    await influx.query(`DROP CONTINUOUS QUERY "${name}" ON "${database}"`);
  const series = seriesOf(snapshot);
  const hours = RESAMPLE.hour / 3600;
  for (let h = 0; h < hours; h++) {
    progress(`hourly continuous query: writing hour ${h + 1} of ${hours} of minute buckets`);
    await writeMinuteBuckets(influx.url, database, series, start + h * 3600, 0, 60);
  }
  const run = `${parts[1]} WHERE time >= ${start}s AND time < ${start + RESAMPLE.hour}s GROUP BY ${parts[2]}`;
  progress("hourly continuous query: one run");
  const cpu = await cpuOf(influx.pid, async () => {
    await influx.query(run);
  });
  // The run did the work it is measured for: an hour bucket of every series for each hour.
  const [counted] = await influx.query(`SELECT count("last") FROM "${database}"."h1"./^rpowatch_/`);
  const written = (counted?.series ?? []).reduce((sum, s) => sum + Number(s.values[0]?.[1] ?? 0), 0);
  if (written !== series.length * hours)
    throw new Error(`the hourly query wrote ${written} hour buckets, not ${series.length * hours}`);
  return { ...cpu, buckets: series.length * 60 * hours, written };
}

const PARTS = ["write", "pack", "client", "cq", "cq-hour", "recording"] as const;

/**
 * RPOWATCH_BENCH_HISTORY=part,part… runs only those parts (all when unset): write (throughput of
 * each store), pack (the server tiers' hourly upkeep), client (the client tiers' upkeep), cq (the
 * server tiers' minute continuous query), cq-hour (one run of their hourly continuous query),
 * recording (the collector's CPU of recording).
 */
const selected = () => selectedParts("RPOWATCH_BENCH_HISTORY", PARTS);

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(", ");

export const bench: Bench = {
  name: "history",
  description:
    "History writing at 10,000 volumes: points/s into the embedded DuckDB store and into InfluxDB 1.x (one batch per collector snapshot), the collector's CPU share of recording a snapshot every 10 s, the CPU of the InfluxDB store's upkeep (server tiers: the hourly pack; client tiers: the minute and hour rollups) and of the server tiers' minute and hourly continuous queries.",
  async run(progress) {
    const parts = selected();
    const dir = await makeTempDir("bench-history");
    const figures: BenchFigure[] = [];
    const notes: string[] = [];
    try {
      progress("building snapshots of 10,000 volumes");
      const all = batches();
      const perSnapshot = all[0]!.length;
      notes.push(`${perSnapshot} points per snapshot of 10,000 volumes in 100 groups; ${SNAPSHOTS} snapshots per run.`);

      if (parts.has("write")) {
        progress("embedded store");
        const embedded = await EmbeddedStore.open(join(dir, "bench.duckdb"));
        const embeddedRate = await throughput(embedded, all);
        await embedded.close();
        figures.push({ name: "embedded store write", unit: "points/s", ours: embeddedRate });
        progress("InfluxDB");
        await onOwnInfluxDB({}, async (influx) => {
          const store = new InfluxStore({
            url: influx.url,
            database: "bench",
            timeoutSeconds: 120,
            retention: DEFAULT_RETENTION,
          });
          const influxRate = await throughput(store, all);
          figures.push({ name: "InfluxDB 1.x write", unit: "points/s", ours: influxRate });
        });
      }

      if (parts.has("pack")) {
        progress("InfluxDB upkeep: an hour of minutes packed");
        await onOwnInfluxDB({}, async (influx) => {
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
            `InfluxDB upkeep: once an hour rpowatch reads the hour's minute buckets back (${upkeep.buckets} here) and writes the hour's buckets and packed minutes (history/influx-store.ts maintain); measured on an hour of 1-minute buckets for every series of a snapshot, written into the minute policy first as its continuous query leaves them, on an influxd of its own, InfluxDB then left to settle (under 10 % of a core over 5 s); CPU of this process (process.cpuUsage) and of influxd (/proc) over that run, ${upkeep.wallSeconds.toFixed(1)} s wall. The minute continuous query's load is the cq part's.`,
          );
        });
      }

      if (parts.has("client")) {
        progress("InfluxDB client tiers' upkeep");
        const loadBefore = load();
        const { minutes, hourRun, points } = await onOwnInfluxDB({ continuousQueries: false }, (influx) =>
          clientUpkeep(influx, all, progress),
        );
        const minute = {
          client: mean(minutes.map((m) => m.clientSeconds)),
          server: mean(minutes.map((m) => m.serverSeconds)),
        };
        const hourStep = {
          client: hourRun.clientSeconds - minute.client,
          server: hourRun.serverSeconds - minute.server,
        };
        const name = (what: string, who: string) =>
          `InfluxDB client tiers' upkeep, ${what} of 10,000 volumes: ${who} CPU`;
        figures.push(
          { name: name("rolling up a minute", "rpowatch"), unit: "s", ours: minute.client, lowerIsBetter: true },
          { name: name("rolling up a minute", "influxd"), unit: "s", ours: minute.server, lowerIsBetter: true },
          { name: name("an hour's h1 and pack", "rpowatch"), unit: "s", ours: hourStep.client, lowerIsBetter: true },
          { name: name("an hour's h1 and pack", "influxd"), unit: "s", ours: hourStep.server, lowerIsBetter: true },
          {
            name: "InfluxDB client tiers' upkeep's CPU share (both processes), 10,000 volumes",
            unit: "% of a core",
            ours: ((60 * (minute.client + minute.server) + hourStep.client + hourStep.server) / 3600) * 100,
            lowerIsBetter: true,
          },
        );
        const seconds = (runs: readonly TaskCpu[], key: "clientSeconds" | "serverSeconds") =>
          runs.map((r) => r[key].toFixed(2)).join(", ");
        notes.push(
          `InfluxDB client tiers' upkeep (history/influx-store.ts maintain with tiers: client), on an influxd with continuous queries off and the database and its four policies made beforehand: an hour whose first ${60 - ROLLED_MINUTES} minutes were written into m1 as buckets for every series of a snapshot (the upkeep's fields, one sample a bucket), then its last ${ROLLED_MINUTES} minutes recorded (${points} raw points a minute, 6 snapshots 10 s apart) and each rolled up by its own maintain() run on the store's clock a minute after the minute ended, influxd left to settle (under 10 % of a core over 5 s) before each run. A minute's run: rpowatch ${seconds(minutes, "clientSeconds")} s, influxd ${seconds(minutes, "serverSeconds")} s of CPU (the figure is their mean; ${mean(minutes.map((m) => m.wallSeconds)).toFixed(1)} s wall on average). The run for the hour's last minute, which also reads the hour's ${60 * seriesOf(all[0]!).length} minute buckets back and writes its h1 buckets and packs: rpowatch ${hourRun.clientSeconds.toFixed(2)} s, influxd ${hourRun.serverSeconds.toFixed(2)} s, ${hourRun.wallSeconds.toFixed(1)} s wall; the hour's step is that run less a minute's mean. The share is 60 minutes' runs and an hour's step over an hour. CPU of this process (process.cpuUsage) and of influxd (/proc) over each run; influxd's later compactions of what a run wrote are not counted. Load average ${loadBefore} (1, 5, 15 min) before, ${load()} after.`,
        );
      }

      if (parts.has("cq")) {
        progress("InfluxDB continuous queries");
        const loadBefore = load();
        const cq = await onOwnInfluxDB({}, (influx) => cqLoad(influx, all, progress));
        const perMinute = ((cq.with.cpuSeconds - cq.without.cpuSeconds) * 60) / CQ_WINDOW;
        figures.push(
          {
            name: "InfluxDB server tiers' minute continuous query at 10,000 volumes: influxd CPU a minute",
            unit: "s",
            ours: perMinute,
            lowerIsBetter: true,
          },
          {
            name: "InfluxDB server tiers' minute continuous query's CPU share (influxd), 10,000 volumes",
            unit: "% of a core",
            ours: (perMinute / 60) * 100,
            lowerIsBetter: true,
          },
        );
        notes.push(
          `InfluxDB server tiers' minute continuous query (rpowatch_m1: every minute, the last ${RESAMPLE.minute / 60} minutes of raw points resampled into m1), on InfluxDB's own schedule: a fresh influxd, the store's database, policies and continuous queries made by its upkeep, 6 minutes of snapshots written at once (with the queries dropped), then a snapshot written every 10 s with current timestamps throughout (${cq.snapshots} snapshots in all). influxd's CPU (/proc) over ${CQ_WINDOW} s of those writes with the continuous queries dropped: ${cq.without.cpuSeconds.toFixed(2)} s; over ${CQ_WINDOW} s with them made again (from 30 s after the minute boundary that followed; a run a minute on schedule, each resampling ${RESAMPLE.minute / 60} minutes of ${perSnapshot} series): ${cq.with.cpuSeconds.toFixed(2)} s, ${cq.with.runs} runs ended in it (${cq.with.failed} failed; InfluxDB's SHOW STATS FOR 'cq', which counts the hourly query's runs too). The figure is the difference over a minute of the schedule, the share that over a minute (influxd spreads a run over both cores). The hourly continuous query's load is the cq-hour part's. Load average ${loadBefore} (1, 5, 15 min) before, ${load()} after.`,
        );
      }

      if (parts.has("cq-hour")) {
        progress("InfluxDB hourly continuous query");
        const loadBefore = load();
        const run = await onOwnInfluxDB({}, (influx) => hourlyQueryRun(influx, all[0]!, progress));
        figures.push(
          {
            name: "InfluxDB server tiers' hourly continuous query at 10,000 volumes: influxd CPU a run (once an hour)",
            unit: "s",
            ours: run.serverSeconds,
            lowerIsBetter: true,
          },
          {
            name: "InfluxDB server tiers' hourly continuous query's CPU share (influxd), 10,000 volumes",
            unit: "% of a core",
            ours: (run.serverSeconds / 3600) * 100,
            lowerIsBetter: true,
          },
        );
        notes.push(
          `InfluxDB server tiers' hourly continuous query (rpowatch_h1: every hour, the last ${RESAMPLE.hour / 3600} hours of minute buckets resampled into h1): one run of its own statement (read back with SHOW CONTINUOUS QUERIES, the scheduled queries dropped) over a window of ${RESAMPLE.hour / 3600} hours holding a minute bucket of every series of a snapshot (${run.buckets} in all, written first as the minute query leaves them), on an influxd of its own, left to settle (under 10 % of a core over 5 s) before the run; it wrote ${run.written} hour buckets. influxd's CPU (/proc) over the run, ${run.wallSeconds.toFixed(1)} s wall; the share is that once an hour. Load average ${loadBefore} (1, 5, 15 min) before, ${load()} after.`,
        );
      }

      if (parts.has("recording")) {
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
      }
      return { name: "history", description: bench.description, figures, notes };
    } finally {
      await removeTempDir(dir);
    }
  },
};
