import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type InfluxDBInstance, startInfluxDB } from "../test/services/influxdb.ts";
import { exportedStats } from "../test/support/history-stats.ts";
import { folded, tierBuckets } from "../test/support/influx-tiers.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { BufferedWriter } from "./buffer.ts";
import { InfluxStore } from "./influx-store.ts";
import { HistoryStats } from "./stats.ts";
import { AGGREGATES, type HistoryReader, type HistorySample, type Series } from "./store.ts";
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

/**
 * Writes minute buckets into `m1` as the minute continuous query leaves them, for minutes [0,
 * minutes) from `from` of the first volumes where `kept`: minute m of volume v holds x = 10m + v
 * as last, x ± 1 as min and max, two samples. Returns the lines written.
 */
async function writeMinuteBuckets(
  database: string,
  from: number,
  minutes: number,
  volumeCount: number,
  kept: (m: number, v: number) => boolean,
): Promise<string[]> {
  const lines = volumes.slice(0, volumeCount).flatMap((l, v) =>
    Array.from({ length: minutes }, (_, m) => m)
      .filter((m) => kept(m, v))
      .map((m) => {
        const x = m * 10 + v;
        const key = `${metric},group=${l.group},site=${l.site},source=${l.source},tenant=${l.tenant},volume=${l.volume}`;
        return `${key} min=${x - 1},max=${x + 1},sum=${2 * x},count=2i,last=${x} ${from + m * 60}`;
      }),
  );
  const written = await fetch(`${influx.url}/write?db=${database}&rp=m1&precision=s`, {
    method: "POST",
    body: lines.join("\n"),
  });
  expect(written.status).toBe(204);
  return lines;
}

describe("InfluxDB history store", () => {
  it("loses no point, raw or in the tiers, when influxd stops while the writer writes, and replays the buffer after a restart of rpowatch", async () => {
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

    const restarted = store();
    writer = await BufferedWriter.open(restarted, bufferOptions);
    expect(writer.buffered()).toBe(100);
    expect(await writer.drained(60_000)).toBe(true);
    for (let i = 15; i < 20; i++) await writer.write(batch(i));
    // Its upkeep puts the late points into their minutes, those written before the stop too.
    await restarted.maintain();
    await writer.close();

    const reader: HistoryReader = store();
    const series = await reader.range({ metric, from: now, to: now + 20 * 60, stepSeconds: 60, aggregate: "last" });
    const got = byVolume(series);
    expect(Object.keys(got)).toHaveLength(10);
    for (let v = 0; v < 10; v++) {
      const { v: values } = got[`v00${v}`]!;
      expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i * 100 + v));
    }
    const exported = exportedStats(stats);
    expect(exported).toMatchObject({
      historyBufferedPoints: [[[], 0]],
      historyBufferCapacity: [[[], 10_000]],
      historyDroppedPoints: [[[], 0]],
    });
    expect(exported.historyWriteFailures![0]![1]).toBeGreaterThan(0);
  }, 300_000);

  it("recomputes the minute and hour buckets of old points from every raw point they hold, peaks and odd labels kept", async () => {
    const store = new InfluxStore({ url: influx.url, database: "backfill", timeoutSeconds: 30, retention });
    const labels = [
      { tenant: "acme", site: "prod", group: "g 1", volume: "v,1=a b", source: "engine" },
      { tenant: "acme", site: "prod", group: "g 1", volume: "v2", source: "engine" },
    ];
    const hour = Math.floor(Date.now() / 1000 / 3600) * 3600 - 2 * 86_400;
    // Value i of a series: spread over magnitudes, with a peak and a tiny value line protocol writes in e-notation.
    const value = (i: number, v: number) => (i === 301 ? 1e21 : i === 200 ? 5e-7 : (((i * 7919 + v) % 1000) - 300) / 7);
    const points = (fromS: number, toS: number, offset: number): HistorySample[] =>
      Array.from({ length: (toS - fromS) / 20 }, (_, k) => fromS + k * 20 + offset).flatMap((t) =>
        labels.map((l, v) => ({ metric, labels: l, timestamp: t, value: value((t - hour) / 10, v) })),
      );
    // Two old writes sharing minutes (10:40–10:45) and a partly covered hour: the second write's
    // buckets must count the first write's points too.
    const first = points(hour + 1800, hour + 2700, 0);
    const second = points(hour + 2400, hour + 2 * 3600 + 900, 10);
    await store.write(first);
    await store.write(second);
    await store.maintain();

    const all = [...first, ...second];
    const expected = (v: number, width: number, aggregate: (typeof AGGREGATES)[number]) => {
      const buckets = new Map<number, number[]>();
      for (const p of all.filter((p) => p.labels === labels[v]).sort((a, b) => a.timestamp - b.timestamp)) {
        const b = Math.floor(p.timestamp / width) * width;
        buckets.set(b, [...(buckets.get(b) ?? []), p.value]);
      }
      const fold = {
        min: (xs: number[]) => Math.min(...xs),
        max: (xs: number[]) => Math.max(...xs),
        mean: (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length,
        last: (xs: number[]) => xs.at(-1)!,
      }[aggregate];
      return { t: [...buckets.keys()], v: [...buckets.values()].map(fold) };
    };
    const check = async (what: string) => {
      for (const width of [60, 1800, 3600]) {
        for (const aggregate of AGGREGATES) {
          const series = await store.range({ metric, from: hour, to: hour + 3 * 3600, stepSeconds: width, aggregate });
          const got = byVolume(series);
          expect(Object.keys(got).sort()).toEqual(["v,1=a b", "v2"]);
          for (const [v, l] of labels.entries()) {
            const want = expected(v, width, aggregate);
            const have = got[l.volume]!;
            const at = `${what}: ${aggregate} at ${width} s`;
            expect(have.t, at).toEqual(want.t);
            have.v.forEach((x, i) => {
              expect(Math.abs(x - want.v[i]!), `${at}, bucket ${i}`).toBeLessThanOrEqual(
                1e-12 * Math.max(1, Math.abs(want.v[i]!)),
              );
            });
          }
        }
      }
    };
    // Minute steps of these final hours come from the packed minutes…
    const [packs] = await influx.query('SELECT count("minutes") FROM "backfill"."m1h"./.*/');
    expect(packs!.series?.[0]?.values[0]?.[1]).toBe(2 * 3);
    await check("packed");
    // …and from the minute tier for hours without them (packs not written yet, or by an older rpowatch).
    const [shards] = await influx.query("SHOW SHARDS");
    const backfill = shards!.series!.find((s) => s.name === "backfill")!;
    const column = (name: string) => backfill.columns.indexOf(name);
    for (const row of backfill.values.filter((r) => r[column("retention_policy")] === "m1h")) {
      await influx.query(`DROP SHARD ${row[column("id")]}`);
    }
    await check("unpacked");
  }, 120_000);

  it("puts a point written over a minute late into its minute bucket in the next upkeep run, as the minute continuous query may never look back to it", async () => {
    const store = new InfluxStore({ url: influx.url, database: "late", timeoutSeconds: 30, retention });
    const now = Date.now() / 1000;
    const late = Math.floor(now - 90);
    await store.write([{ metric, labels: volumes[0]!, timestamp: late, value: 42 }]);
    await store.maintain();
    const [buckets] = await influx.query(`SELECT "min", "max", "count", "last" FROM "late"."m1"./^rpowatch_/`);
    const minute = new Date(Math.floor(late / 60) * 60_000).toISOString().replace(".000Z", "Z");
    expect(buckets!.series?.[0]?.values).toEqual([[minute, 42, 42, 1, 42]]);
  });

  it("recomputes a buffer replay's late batches in the next upkeep run, merged into one span, and those it had no run for after a restart", async () => {
    // Two minutes into an hour three hours ago (the hourly continuous query looks back two): a
    // 6-minute outage ended a minute ago, its 36 snapshots (10 volumes each) replayed one by one.
    const hour = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3 * 3600;
    const now = hour + 120;
    const stats = new HistoryStats();
    const open = () =>
      new InfluxStore({ url: influx.url, database: "replay", timeoutSeconds: 30, retention, now: () => now, stats });
    const store = open();
    const writer = await BufferedWriter.open(store, {
      dir: join(dir, "replay-buffer"),
      maxPoints: 10_000,
      retryMinSeconds: 1,
      retryMaxSeconds: 1,
      stats,
    });
    const snapshot = (t: number, k: number): HistorySample[] =>
      volumes.map((labels, v) => ({ metric, labels, timestamp: t, value: k * 100 + v }));
    const samples: HistorySample[] = [];
    for (let k = 0; k < 36; k++) {
      const batch = snapshot(now - 430 + k * 10, k);
      samples.push(...batch);
      await writer.write(batch);
    }
    const recomputes = () => exportedStats(stats).historyTierRecomputes;
    const foldedInTiers = async () => {
      expect(await tierBuckets(influx, "replay", "m1")).toEqual(folded(samples, 60));
      expect(await tierBuckets(influx, "replay", "h1")).toEqual(folded(samples, 3600));
    };
    // Until the upkeep runs, the minute buckets lag (here: none yet).
    expect(recomputes()).toEqual([[[], 0]]);
    expect(await tierBuckets(influx, "replay", "m1")).toEqual(new Map());

    await store.maintain();
    expect(recomputes()).toEqual([[[], 1]]);
    await foldedInTiers();

    // A late batch after the last run, then a stop of rpowatch: the next one's first run recomputes it.
    const last = snapshot(now - 75, 99);
    samples.push(...last);
    await writer.write(last);
    await writer.close();
    await open().maintain();
    expect(recomputes()).toEqual([[[], 2]]);
    await foldedInTiers();
  }, 120_000);

  it("packs each hour's minute buckets in its upkeep, once they are final, reading them the same before and after", async () => {
    let now = Math.floor(Date.now() / 1000 / 3600) * 3600 - 10 * 86_400;
    const store = new InfluxStore({
      url: influx.url,
      database: "upkeep",
      timeoutSeconds: 30,
      retention,
      now: () => now,
    });
    await store.maintain();
    // The next hour to pack; its minute buckets as the continuous query writes them.
    const hour = Math.floor((now - 720) / 3600) * 3600;
    const lines = await writeMinuteBuckets("upkeep", hour, 60, 3, (m, v) => m % 7 !== v);
    // The hour's bucket, as the hourly continuous query makes it.
    await influx.query(
      `SELECT min("min") AS "min", max("max") AS "max", sum("sum") AS "sum", sum("count") AS "count", last("last") AS "last" INTO "upkeep"."h1".:MEASUREMENT FROM "upkeep"."m1"./^rpowatch_/ WHERE time >= ${hour}s AND time < ${hour + 3600}s GROUP BY time(1h), *`,
      "upkeep",
    );
    now = hour + 3600 + 3 * 3600;
    const read = async () =>
      Object.fromEntries(
        await Promise.all(
          AGGREGATES.map(async (aggregate) => [
            aggregate,
            byVolume(await store.range({ metric, from: hour, to: hour + 3600, stepSeconds: 60, aggregate })),
          ]),
        ),
      );
    const packs = async () => (await influx.query('SELECT sum("minutes") FROM "upkeep"."m1h"./.*/'))[0]!.series;
    const before = await read();
    expect(await packs()).toBeUndefined();
    expect(before.last!.v001!.t).toHaveLength(60 - 9);
    expect(before.mean!.v002!.v.slice(0, 3)).toEqual([0 + 2, 10 + 2, 30 + 2]);
    await store.maintain();
    expect((await packs())![0]!.values[0]![1]).toBe(lines.length);
    expect(await read()).toEqual(before);
  }, 120_000);

  it("packs the hours it missed while stopped after a restart, with the hour buckets the continuous query missed", async () => {
    let now = Math.floor(Date.now() / 1000 / 3600) * 3600 - 5 * 86_400;
    const store = () =>
      new InfluxStore({ url: influx.url, database: "resume", timeoutSeconds: 30, retention, now: () => now });
    await store().maintain();
    // Packed up to this hour; then rpowatch stops for 8 hours, InfluxDB down at the hours the hourly
    // query would have covered them: their minutes are in `m1`, with no hour bucket.
    const first = Math.floor((now - 720) / 3600) * 3600;
    const hours = 8;
    await writeMinuteBuckets("resume", first, hours * 60, 2, () => true);
    now = first + hours * 3600 + 720;
    await store().maintain();
    const range = { metric, from: first, to: first + hours * 3600 };
    const minutes = byVolume(await store().range({ ...range, stepSeconds: 60, aggregate: "last" }));
    const hourly = byVolume(await store().range({ ...range, stepSeconds: 3600, aggregate: "max" }));
    for (const v of [0, 1]) {
      expect(minutes[`v00${v}`]!.v).toEqual(Array.from({ length: hours * 60 }, (_, m) => m * 10 + v));
      expect(hourly[`v00${v}`]!.v).toEqual(Array.from({ length: hours }, (_, h) => (h * 60 + 59) * 10 + v + 1));
    }
    const [packs] = await influx.query('SELECT count("minutes") FROM "resume"."m1h"./.*/');
    expect(packs!.series?.[0]?.values[0]?.[1]).toBe(2 * hours);
  }, 120_000);

  it("reads a series longer than one answer chunk whole and in time order", async () => {
    const store = new InfluxStore({ url: influx.url, database: "long", timeoutSeconds: 60, retention });
    const labels = volumes[0]!;
    const from = Math.floor(Date.now() / 1000 / 3600) * 3600 - 14 * 3600;
    // 21,600 points 2 s apart: InfluxDB answers them in three chunks of up to 10,000 rows.
    const samples = Array.from({ length: 21_600 }, (_, i) => ({
      metric,
      labels,
      timestamp: from + 2 * i,
      value: (i * 7919) % 100_003,
    }));
    await store.write(samples);
    const [series, ...others] = await store.range({
      metric,
      from,
      to: from + 43_200,
      stepSeconds: 2,
      aggregate: "last",
    });
    expect(others).toEqual([]);
    expect([...series!.timestamps]).toEqual(samples.map((s) => s.timestamp));
    expect([...series!.values]).toEqual(samples.map((s) => s.value));
  }, 120_000);
});
