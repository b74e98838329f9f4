import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InfluxDBInstance, startInfluxDB } from "../test/services/influxdb.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { BufferedWriter } from "./buffer.ts";
import { InfluxStore } from "./influx-store.ts";
import { HistoryStats } from "./stats.ts";
import type { HistoryReader, HistorySample, Series } from "./store.ts";
import { DEFAULT_RETENTION } from "./tiers.ts";

const metric = "rpowatch_volume_change_rate_bytes_per_second";
// Agreement with the embedded store over a month of history is test/reports/influx-month.test.ts's.
const retention = DEFAULT_RETENTION;
const volumes = Array.from({ length: 10 }, (_, i) => ({
  tenant: "acme",
  site: "prod",
  group: `g${i % 10}`,
  volume: `v${String(i).padStart(3, "0")}`,
  source: "engine",
}));
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
