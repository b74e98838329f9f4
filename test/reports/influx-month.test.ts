/**
 * The InfluxDB test: a month of 1-minute history written through the InfluxDB history
 * store into a real InfluxDB (raw points, then the minute and hour tiers and the packed hours it
 * recomputes for old points) and into the embedded store; the capacity report from each has the
 * same figures (its 1-minute reads from the packed hours), and daily and hourly aggregates (read
 * from the hour tier) agree.
 *
 * Scale: the 100 volumes in 10 groups, a whole month (7.4 M points). The store writes
 * line protocol in large requests and folds the tiers of these old points in the client (see
 * history/influx-store.ts); a SELECT … INTO grouped by minute cost InfluxDB about five times the
 * write itself, and 10 volumes took about 460 s of the suite that way. Measured on the shared
 * 2-core machine at a load average of 13–15: 10 volumes 95 s, 100 volumes 448 s for the whole
 * file (both stores loaded side by side, two reports, the aggregate comparisons); at a load of
 * 1–4 the same InfluxDB loading ran about twice as fast. bench/reports.bench.ts reads a month at larger scale.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../history/embedded-store.ts";
import { InfluxStore } from "../../history/influx-store.ts";
import type { Aggregate, Series } from "../../history/store.ts";
import { metrics } from "../../model/metrics.ts";
import { readCapacityReport } from "../../reports/capacity/build.ts";
import type { CapacityReport } from "../../reports/capacity-report.ts";
import { monthPeriod } from "../../reports/period.ts";
import { type InfluxDBInstance, startInfluxDB } from "../services/influxdb.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { figureDifferences } from "./same-figures.ts";
import { type ScaleSpec, scaleDay, scaleLabels } from "./scale-month.ts";

const DAY = 86_400;
const KEEP = 100 * 365 * DAY;
const SPEC: ScaleSpec = { from: Date.UTC(2026, 9, 1) / 1000, days: 31, volumes: 100, groups: 10 };
const MONTH = "2026-10";
const NOW = SPEC.from + (SPEC.days + 2) * DAY;

let influx: InfluxDBInstance;
let dir: string;
let remote: InfluxStore;
let embedded: EmbeddedStore;

beforeAll(async () => {
  influx = await startInfluxDB();
  dir = await makeTempDir("influx-month");
  const retention = { raw: KEEP, minute: KEEP, hour: KEEP };
  remote = new InfluxStore({ url: influx.url, database: "month", timeoutSeconds: 300, retention });
  embedded = await EmbeddedStore.open(join(dir, "month.duckdb"), { retention, now: () => NOW });
  const labels = scaleLabels(SPEC);
  for (let d = 0; d < SPEC.days; d++) {
    const samples = scaleDay(SPEC, d, labels);
    await Promise.all([remote.write(samples), embedded.write(samples)]);
  }
  await embedded.maintain();
  // The days are old points: the upkeep recomputes their tiers.
  await remote.maintain();
}, 1_800_000);
afterAll(async () => {
  await embedded?.close();
  await influx?.stop();
  if (dir) await removeTempDir(dir);
});

describe(`a month of 1-minute history for ${SPEC.volumes} volumes in InfluxDB and in the embedded store`, () => {
  it("gives the same capacity report, figure for figure", async () => {
    const period = monthPeriod(MONTH, NOW);
    const options = { tenant: "acme", generatedAt: NOW };
    const fromInflux = await readCapacityReport(remote, period, options);
    const fromEmbedded = await readCapacityReport(embedded, period, options);
    expect(figureDifferences(fromInflux, fromEmbedded)).toEqual([]);
    // Not vacuous: every volume, every group's breach and the step's growth are in it.
    const volumes = fromEmbedded.change.filter((c) => c.level === "volume");
    expect(volumes).toHaveLength(SPEC.volumes);
    expect(volumes.every((c) => c.dailyBytes.every((b) => b !== null && b > 0))).toBe(true);
    expect(fromEmbedded.rpo.map((r: CapacityReport["rpo"][number]) => r.minutesBeyondTarget)).toEqual(
      Array(SPEC.groups).fill(30),
    );
    expect(fromEmbedded.forecast.journals.every((f) => f.dailyChangeSlopeBytes > 0)).toBe(true);
    expect(fromEmbedded.coverage.coveredMinutes).toBe(SPEC.days * 1440);
  }, 900_000);

  it("gives the same daily and hourly aggregates, the RPO breaches surviving in the daily maximum", async () => {
    const byGroup = (series: Series[]) =>
      Object.fromEntries(series.map((s) => [s.labels.group, { t: [...s.timestamps], v: [...s.values] }]));
    const compare = async (
      metric: string,
      aggregate: Aggregate,
      stepSeconds: number,
      match?: Record<string, string>,
    ) => {
      const q = {
        metric,
        from: SPEC.from,
        to: SPEC.from + SPEC.days * DAY,
        stepSeconds,
        aggregate,
        ...(match && { match }),
      };
      const [a, b] = await Promise.all([remote.range(q), embedded.range(q)]);
      expect(figureDifferences(plain(a), plain(b))).toEqual([]);
      return byGroup(b);
    };
    for (const aggregate of ["min", "mean", "max", "last"] as const) {
      await compare(metrics.groupRpo.name, aggregate, DAY);
      await compare(metrics.journalUtilization.name, aggregate, 3600);
      await compare(metrics.volumeWrittenBytes.name, aggregate, 60, { group: "g001" });
    }
    const daily = await compare(metrics.groupRpo.name, "max", DAY);
    for (let g = 0; g < SPEC.groups; g++) {
      const { v } = daily[`g${String(g).padStart(3, "0")}`]!;
      expect(v).toHaveLength(SPEC.days);
      expect(v[g]).toBe(2400 + 329);
    }
  }, 300_000);
});

/** Series as plain data, in label order (InfluxDB and the embedded store return them in their own). */
const plain = (series: Series[]) =>
  series
    .map((s) => ({ labels: s.labels, timestamps: [...s.timestamps], values: [...s.values] }))
    .sort((x, y) => JSON.stringify(x.labels).localeCompare(JSON.stringify(y.labels)));
