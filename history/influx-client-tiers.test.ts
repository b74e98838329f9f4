/**
 * Client tiers (`tiers: client`) against a real InfluxDB 1.x held to what the v1-compatible API of
 * InfluxDB 2 and 3 allows: continuous queries off, authentication on, the database and its four
 * policies made by an admin beforehand, and the store signed in as a user with only READ and WRITE
 * on the database, so any CREATE it sent would be refused. Six hours of the report fixture's
 * outage day (one sample a series a minute) and a noisy series (six samples a minute) are recorded
 * minute by minute on a test clock, the upkeep running every five minutes, with late points, a
 * stretch without upkeep and a restart of rpowatch. The tiers then hold the fold of the samples
 * written, and the history reads and the health report are those of the same samples in server
 * tiers. The store compares the policies' durations with history.retention.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../lib/log.ts";
import { readHealthReport } from "../reports/health/build.ts";
import { dayPeriod } from "../reports/period.ts";
import { daySamples, FROM } from "../test/reports/fixture-month.ts";
import { figureDifferences } from "../test/reports/same-figures.ts";
import { type InfluxDBInstance, startInfluxDB } from "../test/services/influxdb.ts";
import { exportedStats } from "../test/support/history-stats.ts";
import { folded, seriesKeyOf, tierBuckets } from "../test/support/influx-tiers.ts";
import { InfluxStore } from "./influx-store.ts";
import { HistoryStats } from "./stats.ts";
import { AGGREGATES, type HistorySample, type Series } from "./store.ts";

const DAY = 86_400;
const MINUTES = 360;
const DAY_START = FROM + 9 * DAY;
const admin = { username: "admin", password: "admin-secret" };
const user = { username: "rpowatch", password: "writer-secret" };
/** The policies keep the fixture month whenever the test runs; the store catches up two days back at most. */
const retention = { raw: 2 * DAY, minute: 90 * DAY, hour: 730 * DAY };

/** Minute m's samples: the fixture's (mid-minute, as snapshots fall) and a noisy series every 10 s. */
function minuteSamples(m: number, fixture: Map<number, HistorySample[]>): HistorySample[] {
  const t = DAY_START + m * 60;
  const noisy = Array.from({ length: 6 }, (_, k) => {
    const i = m * 6 + k;
    const value = i === 1001 ? 1e21 : i === 700 ? 5e-7 : (((i * 7919) % 1000) - 300) / 7;
    return {
      metric: "rpowatch_volume_change_rate_bytes_per_second",
      labels: { tenant: "initech", site: "s 1", group: "g,1", volume: "v=1" },
      timestamp: t + k * 10,
      value,
    };
  });
  return [...noisy, ...(fixture.get(t + 30) ?? [])];
}

let influx: InfluxDBInstance;
const samples: HistorySample[] = [];
let clientNow = 0;
/** The recording's stats (exported once a buffer has opened, as the stack opens one at start). */
const stats = new HistoryStats();
stats.bufferOpened(0, 0);
const client = () =>
  new InfluxStore({
    url: influx.url,
    database: "client",
    ...user,
    timeoutSeconds: 60,
    retention,
    tiers: "client",
    now: () => clientNow,
    stats,
  });
let server: InfluxStore;
/** Client and server reads of [from, to) compared mid-run (the tiers and the raw points of the part not rolled up). */
const midRun: Array<{ what: string; differences: string[] }> = [];
let catchUp = { seconds: 0, minutes: 0 };

async function reads(
  a: InfluxStore,
  b: InfluxStore,
  from: number,
  to: number,
): Promise<Array<{ what: string; differences: string[] }>> {
  const out = [];
  for (const metric of ["rpowatch_volume_change_rate_bytes_per_second", "rpowatch_group_rpo_seconds"]) {
    for (const stepSeconds of [60, 300, 3600, 7200]) {
      for (const aggregate of AGGREGATES) {
        const q = { metric, from, to, stepSeconds, aggregate };
        const [x, y] = await Promise.all([a.range(q), b.range(q)]);
        expect(x.length, `${metric} ${aggregate} at ${stepSeconds} s`).toBeGreaterThan(0);
        out.push({
          what: `${metric} ${aggregate} at ${stepSeconds} s`,
          differences: figureDifferences(plain(x), plain(y)),
        });
      }
    }
  }
  return out;
}

beforeAll(async () => {
  influx = await startInfluxDB({ continuousQueries: false, admin });
  // What the operator does beforehand (on InfluxDB 2: buckets and DBRP mappings).
  await influx.query(`CREATE DATABASE "client" WITH DURATION INF NAME "raw"`);
  for (const policy of ["m1", "h1", "m1h"]) {
    await influx.query(`CREATE RETENTION POLICY "${policy}" ON "client" DURATION INF REPLICATION 1`);
  }
  await influx.query(`CREATE USER "${user.username}" WITH PASSWORD '${user.password}'`);
  // READ and WRITE on the database, not admin (a second GRANT would replace the first).
  await influx.query(`GRANT ALL ON "client" TO "${user.username}"`);

  const fixture = new Map<number, HistorySample[]>();
  for (const s of daySamples(10)) {
    const t = s.timestamp + 30;
    if (t >= DAY_START + MINUTES * 60) break;
    fixture.set(t, [...(fixture.get(t) ?? []), { ...s, timestamp: t }]);
  }
  // Server tiers, as the admin, in one write: old points, so the store's upkeep rolls their tiers up.
  const keep = 100 * 365 * DAY;
  server = new InfluxStore({
    url: influx.url,
    database: "server",
    ...admin,
    timeoutSeconds: 120,
    retention: { raw: keep, minute: keep, hour: keep },
  });
  for (let m = 0; m < MINUTES; m++) samples.push(...minuteSamples(m, fixture));
  await server.write(samples);
  await server.maintain();

  // Client tiers, recorded minute by minute.
  let store = client();
  const late = new Map<number, HistorySample[]>();
  for (let m = 0; m < MINUTES; m++) {
    clientNow = DAY_START + (m + 1) * 60 + 2;
    const batch = minuteSamples(m, fixture);
    // Minutes 40–44 reach InfluxDB at minute 70 (a buffer replay), long after they were rolled up.
    if (m >= 40 && m < 45) late.set(m, batch);
    else await store.write(batch);
    if (m === 70) for (const held of late.values()) await store.write(held);
    // Four hours in, the upkeep behind since minute 100: reads of whole steps.
    if (m === 245) midRun.push(...(await reads(store, server, DAY_START, DAY_START + 4 * 3600)));
    // No upkeep from minute 100 to 250 (rpowatch stopped or failing); then a restart.
    if (m === 250) store = client();
    if (m % 5 === 4 && (m < 100 || m >= 250)) {
      const started = performance.now();
      await store.maintain();
      if (m === 254) catchUp = { seconds: (performance.now() - started) / 1000, minutes: 155 };
    }
  }
  clientNow = DAY_START + MINUTES * 60 + 3 * 3600;
  await store.maintain();
}, 600_000);
afterAll(async () => {
  await influx?.stop();
});

describe("client tiers on the v1-compatible API (InfluxDB 1.x without continuous queries, as a READ/WRITE user)", () => {
  it("is refused a CREATE by the same user, as InfluxDB 2 and 3 refuse one: the server tiers cannot run there", async () => {
    const refused = new InfluxStore({ url: influx.url, database: "client", ...user, timeoutSeconds: 10, retention });
    await expect(refused.write(samples.slice(0, 1))).rejects.toThrow(/authoriz|privilege/i);
    const [cqs] = await influx.query("SHOW CONTINUOUS QUERIES");
    expect(cqs!.series?.find((s) => s.name === "client")?.values ?? []).toEqual([]);
  });

  it("rolls every minute and hour up once, holding the min, max, sum, count and last of the samples written", async () => {
    for (const [policy, width] of [
      ["m1", 60],
      ["h1", 3600],
    ] as const) {
      const want = folded(samples, width);
      for (const database of ["client", "server"]) {
        const have = await tierBuckets(influx, database, policy);
        expect([...have.keys()].sort(), `${database}.${policy}`).toEqual([...want.keys()].sort());
        for (const [key, values] of want) {
          const got = have.get(key)!;
          values.forEach((v, i) => {
            expect(Math.abs(got[i]! - v), `${database}.${policy} ${key} field ${i}`).toBeLessThanOrEqual(
              1e-12 * Math.max(1, Math.abs(v)),
            );
          });
        }
      }
    }
    const packs = async (database: string) =>
      (await influx.query(`SELECT count("minutes") FROM "${database}"."m1h"./^rpowatch_/`))[0]!.series!.map(
        (s) => s.values[0]![1],
      );
    expect(await packs("client")).toEqual(await packs("server"));
    console.log(
      `client tiers: the upkeep after ${catchUp.minutes} minutes without one rolled up ${new Set(samples.map((s) => seriesKeyOf(s.metric, s.labels))).size} series in ${catchUp.seconds.toFixed(2)} s`,
    );
  });

  it("recomputes the five late batches' minutes in one span, in the upkeep run after them", () => {
    expect(exportedStats(stats).historyTierRecomputes).toEqual([[[], 1]]);
  });

  it("reads the same history as server tiers, mid-run (tiers, then raw points not rolled up yet) and once rolled up", async () => {
    expect(midRun.filter((r) => r.differences.length > 0)).toEqual([]);
    const done = await reads(client(), server, DAY_START, DAY_START + MINUTES * 60);
    expect(done.filter((r) => r.differences.length > 0)).toEqual([]);
  });

  it("gives the same health report as server tiers", async () => {
    const period = dayPeriod("2026-11-10", Date.now() / 1000);
    const options = { tenant: "acme", generatedAt: 0 };
    const fromClient = await readHealthReport(client(), period, options);
    const fromServer = await readHealthReport(server, period, options);
    expect(figureDifferences(fromClient, fromServer)).toEqual([]);
    expect(fromServer.groups.length).toBeGreaterThan(0);
  });

  it("changes nothing when it rolls everything up again from scratch (progress lost)", async () => {
    const before = await Promise.all(["m1", "h1"].map((p) => tierBuckets(influx, "client", p)));
    await influx.query(`DROP MEASUREMENT "rpowatch-tiers"`, "client");
    await client().maintain();
    const after = await Promise.all(["m1", "h1"].map((p) => tierBuckets(influx, "client", p)));
    expect(after).toEqual(before);
  });
});

describe("client tiers' check of the policies the operator made", () => {
  it("reports a raw policy shorter than history.retention.raw and a missing policy as errors, other differences as warnings; a user who may not list the policies is told once", async () => {
    // raw keeps 1 day (2 configured), m1 90 days as configured, h1 forever (730 days), no m1h.
    await influx.query(`CREATE DATABASE "policies" WITH DURATION 1d NAME "raw"`);
    await influx.query(`CREATE RETENTION POLICY "m1" ON "policies" DURATION 90d REPLICATION 1`);
    await influx.query(`CREATE RETENTION POLICY "h1" ON "policies" DURATION INF REPLICATION 1`);
    await influx.query(`GRANT ALL ON "policies" TO "${user.username}"`);
    const writer = { username: "writer", password: "writer-only-secret" };
    await influx.query(`CREATE USER "${writer.username}" WITH PASSWORD '${writer.password}'`);
    await influx.query(`GRANT WRITE ON "policies" TO "${writer.username}"`);
    const now = Math.floor(Date.now() / 1000);
    const store = (who: { username: string; password: string }, logs: Array<Record<string, unknown>>) => {
      const checked = new HistoryStats();
      checked.bufferOpened(0, 0);
      const logger = createLogger("debug", "test", { write: (line: string) => logs.push(JSON.parse(line)) });
      const s = new InfluxStore({
        url: influx.url,
        database: "policies",
        ...who,
        timeoutSeconds: 30,
        retention,
        tiers: "client",
        now: () => now,
        stats: checked,
        logger,
      });
      return { s, checked };
    };

    const logs: Array<Record<string, unknown>> = [];
    const { s, checked } = store(user, logs);
    await s.maintain();
    await s.maintain();
    const told = logs
      .filter((l) => typeof l.policy === "string")
      .map((l) => ({ level: l.level, policy: l.policy, configuredSeconds: l.configuredSeconds, actual: l.actual }));
    expect(told).toEqual([
      { level: 50, policy: "raw", configuredSeconds: 2 * DAY, actual: "24h0m0s" },
      { level: 40, policy: "h1", configuredSeconds: 730 * DAY, actual: "0s" },
      { level: 50, policy: "m1h", configuredSeconds: 90 * DAY, actual: "missing" },
    ]);
    expect(logs.find((l) => l.policy === "raw")!.msg).toMatch(
      /"raw" keeps points 24h0m0s, less than history\.retention\.raw \(172800s\): the upkeep .* may find raw points gone/,
    );
    expect(exportedStats(checked).historyRetentionSurplus).toEqual([
      [["raw"], -DAY],
      [["m1"], 0],
      [["h1"], Number.POSITIVE_INFINITY],
    ]);

    const refusedLogs: Array<Record<string, unknown>> = [];
    const refused = store(writer, refusedLogs);
    await expect(refused.s.maintain()).rejects.toThrow(/authoriz/);
    await expect(refused.s.maintain()).rejects.toThrow(/authoriz/);
    const notChecked = refusedLogs.filter((l) => /could not check/.test(String(l.msg)));
    expect(notChecked.map((l) => l.level)).toEqual([40]);
    expect(exportedStats(refused.checked).historyRetentionSurplus).toEqual([]);
  });
});

/** Series as plain data, in label order. */
const plain = (series: Series[]) =>
  series
    .map((s) => ({ labels: s.labels, timestamps: [...s.timestamps], values: [...s.values] }))
    .sort((x, y) => JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels)));
