import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InfluxDBInstance, startInfluxDB } from "../test/services/influxdb.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { BufferedWriter } from "./buffer.ts";
import { EmbeddedStore } from "./embedded-store.ts";
import { InfluxStore } from "./influx-store.ts";
import { HistoryStats } from "./stats.ts";
import type { Aggregate, HistoryReader, HistorySample, Series } from "./store.ts";
import { DEFAULT_RETENTION } from "./tiers.ts";

const DAY = 86_400;
const metric = "rpowatch_volume_change_rate_bytes_per_second";
// Raw points days old must be accepted: InfluxDB refuses points older than the raw policy.
const retention = { ...DEFAULT_RETENTION, raw: 35 * DAY };
const volumes = Array.from({ length: 100 }, (_, i) => ({
  tenant: "acme",
  site: "prod",
  group: `g${i % 10}`,
  volume: `v${String(i).padStart(3, "0")}`,
  source: "engine",
}));
/**
 * Whole days ending at yesterday's midnight (UTC). Three, not thirty: a month of 100 volumes took
 * over 15 minutes on the shared CI machine; the month-scale figures are bench/history.bench.ts's.
 */
const DAYS = 3;
const END = Math.floor(Date.now() / 1000 / DAY) * DAY - DAY;
const START = END - DAYS * DAY;

/** One day of 1-minute points per volume; values with peaks and a known pattern. */
function day(d: number): HistorySample[] {
  const out: HistorySample[] = [];
  for (let m = 0; m < 1440; m++) {
    const timestamp = START + d * DAY + m * 60 + 30;
    for (let v = 0; v < volumes.length; v++) {
      const value = ((v * 7919 + (d * 1440 + m) * 104_729) % 100_000) + (m === 600 + v ? 5_000_000 : 0);
      out.push({ metric, labels: volumes[v]!, timestamp, value });
    }
  }
  return out;
}

const byVolume = (series: Series[]) =>
  Object.fromEntries(series.map((s) => [s.labels.volume, { t: [...s.timestamps], v: [...s.values] }]));

let influx: InfluxDBInstance;
let dir: string;
beforeAll(async () => {
  influx = await startInfluxDB();
  dir = await makeTempDir("history-influx");
});
afterAll(async () => {
  await influx?.stop();
  if (dir) await removeTempDir(dir);
});

describe("InfluxDB history store", () => {
  it("answers days of 1-minute data for 100 volumes with the same aggregates as the embedded store", async () => {
    const options = { url: influx.url, database: "month", timeoutSeconds: 60, retention };
    const remote = new InfluxStore(options);
    const embedded = await EmbeddedStore.open(join(dir, "month.duckdb"), { retention });
    for (let d = 0; d < DAYS; d++) {
      const samples = day(d);
      await remote.write(samples);
      await embedded.write(samples);
    }
    await embedded.maintain();

    const compare = async (aggregate: Aggregate, stepSeconds: number, match?: Record<string, string>) => {
      const q = { metric, from: START, to: END, stepSeconds, aggregate, ...(match && { match }) };
      const [a, b] = await Promise.all([remote.range(q), embedded.range(q)]);
      const fromInflux = byVolume(a);
      const fromEmbedded = byVolume(b);
      expect(Object.keys(fromInflux).sort()).toEqual(Object.keys(fromEmbedded).sort());
      for (const [volume, e] of Object.entries(fromEmbedded)) {
        expect(fromInflux[volume]!.t, `${aggregate} ${stepSeconds}s ${volume}`).toEqual(e.t);
        for (const [i, v] of fromInflux[volume]!.v.entries()) expect(v).toBeCloseTo(e.v[i]!, 6);
      }
      return fromEmbedded;
    };
    for (const aggregate of ["min", "mean", "max", "last"] as const) {
      const daily = await compare(aggregate, DAY);
      expect(Object.keys(daily)).toHaveLength(100);
      expect(daily.v000!.t).toHaveLength(DAYS);
      await compare(aggregate, 3600, { group: "g3" });
    }
    // The 10:00 peak of v000 survives in the daily maximum.
    expect((await compare("max", DAY, { volume: "v000" })).v000!.v.every((v) => v >= 5_000_000)).toBe(true);
    await compare("mean", 60, { volume: "v042" });
    await embedded.close();
  }, 900_000);

  it("loses no point when influxd stops while the writer writes, and replays the buffer after a restart of rpowatch", async () => {
    const store = () => new InfluxStore({ url: influx.url, database: "outage", timeoutSeconds: 2, retention });
    const stats = new HistoryStats();
    const bufferDir = join(dir, "buffer");
    const bufferOptions = { dir: bufferDir, maxPoints: 10_000, retryMinSeconds: 0.2, retryMaxSeconds: 1, stats };
    const now = Math.floor(Date.now() / 1000 / 60) * 60 - 3600;
    const batch = (i: number): HistorySample[] =>
      volumes.slice(0, 10).map((labels, v) => ({ metric, labels, timestamp: now + i * 60 + 5, value: i * 100 + v }));

    let writer = await BufferedWriter.open(store(), bufferOptions);
    for (let i = 0; i < 5; i++) await writer.write(batch(i));
    await influx.kill();
    for (let i = 5; i < 15; i++) await writer.write(batch(i));
    expect(writer.buffered()).toBeGreaterThan(0);
    // rpowatch stops while InfluxDB is down: the buffer stays on disk.
    await writer.close();
    await influx.startAgain();

    writer = await BufferedWriter.open(store(), bufferOptions);
    expect(writer.buffered()).toBe(100);
    expect(await writer.drained(60_000)).toBe(true);
    for (let i = 15; i < 20; i++) await writer.write(batch(i));
    await writer.close();

    const reader: HistoryReader = store();
    const series = await reader.range({ metric, from: now, to: now + 20 * 60, stepSeconds: 60, aggregate: "last" });
    const got = byVolume(series);
    expect(Object.keys(got)).toHaveLength(10);
    for (let v = 0; v < 10; v++) {
      const { v: values } = got[`v00${v}`]!;
      expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i * 100 + v));
    }
    const exported = Object.fromEntries(
      Object.entries(stats.overrides()).map(([key, extract]) => {
        let value = Number.NaN;
        extract!({} as never, 0, (_l, v) => {
          value = v;
        });
        return [key, value];
      }),
    );
    expect(exported).toMatchObject({
      historyBufferedPoints: 0,
      historyBufferCapacity: 10_000,
      historyDroppedPoints: 0,
    });
    expect(exported.historyWriteFailures).toBeGreaterThan(0);
  }, 300_000);
});
