/**
 * `rpowatch report --source influxdb|prometheus` end to end: days of the fixture month (its outage,
 * bitmap episode and step; the other days are gaps in every store alike) written into a real
 * InfluxDB (through the InfluxDB history store, tiers and all), imported into a real
 * VictoriaMetrics and written into an embedded store file; the command run on each gives the same
 * report, figure for figure. An unreachable or wrong store is refused naming its address. The
 * whole month at scale is influx-month.test.ts's, through the same readers.
 */
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../history/embedded-store.ts";
import { InfluxStore } from "../../history/influx-store.ts";
import type { HistorySample } from "../../history/store.ts";
import { type InfluxDBInstance, startInfluxDB } from "../services/influxdb.ts";
import { startVictoriaMetrics, type VictoriaMetricsInstance } from "../services/victoria-metrics.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { daySamples, FROM } from "./fixture-month.ts";
import { type ReportRun, rpowatchReport } from "./run-report.ts";
import { figureDifferences } from "./same-figures.ts";

const DAY = 86_400;
/** Every tier keeps the fixture month whenever the test runs (InfluxDB refuses points older than the raw policy). */
const KEEP = 100 * 365 * DAY;
/**
 * Mid-minute, as the recorder's snapshot times fall: a Prometheus-compatible API folds a step's
 * samples over (start, end], the stores over [start, end), so a sample on the boundary would move.
 */
const DAYS = [9, 10, 11, 15, 16];
const fixtureDay = (day: number): HistorySample[] =>
  daySamples(day).map((s) => ({ ...s, timestamp: s.timestamp + 30 }));

let dir: string;
let store: string;
let influx: InfluxDBInstance;
let vm: VictoriaMetricsInstance;

beforeAll(async () => {
  dir = await makeTempDir("report-sources");
  store = join(dir, "history.duckdb");
  [influx, vm] = await Promise.all([startInfluxDB(), startVictoriaMetrics()]);
  const embedded = await EmbeddedStore.open(store, { now: () => FROM + 32 * DAY });
  const remote = new InfluxStore({
    url: influx.url,
    database: "rpowatch",
    timeoutSeconds: 120,
    retention: { raw: KEEP, minute: KEEP, hour: KEEP },
  });
  for (const day of DAYS) {
    const samples = fixtureDay(day);
    await Promise.all([embedded.write(samples), remote.write(samples), vm.importSamples(samples)]);
  }
  await embedded.maintain();
  // The days are old points: the upkeep recomputes their tiers.
  await remote.maintain();
  await embedded.close();
}, 600_000);
afterAll(async () => {
  await Promise.all([influx?.stop(), vm?.stop()]);
  if (dir) await removeTempDir(dir);
});

/** Runs the report into its own directory; returns the run and its JSON without the time it was made. */
async function report(kind: "capacity" | "health", period: string, name: string, ...source: string[]) {
  const out = join(dir, name);
  const periodOption = kind === "capacity" ? "--month" : "--day";
  // No PDF (Chromium missing): the figures are the JSON's, and printing ten PDFs would double the test's time.
  const run = await rpowatchReport([kind, periodOption, period, "--tenant", "acme", ...source, "--out", out], {
    RPOWATCH_CHROMIUM: join(dir, "no-chromium"),
  });
  expect(run.stderr).not.toMatch(/rpowatch report \w+:/);
  expect(run.code).toBe(0);
  const { generatedAt: _, ...figures } = JSON.parse(await readFile(join(out, `${kind}-${period}-acme.json`), "utf8"));
  return { run, figures };
}

describe("rpowatch report capacity from InfluxDB and from VictoriaMetrics", () => {
  let embedded: Record<string, unknown>;
  beforeAll(async () => {
    ({ figures: embedded } = await report("capacity", "2026-11", "embedded", "--store", store));
  }, 300_000);

  it("--influx-url: the same figures as from the embedded store, read a day at a time", async () => {
    const { run, figures } = await report("capacity", "2026-11", "influx", "--influx-url", influx.url);
    expect(run.stderr).toContain(`reading 2026-11 from InfluxDB at ${influx.url}, database rpowatch`);
    expect(run.stderr).toContain("day 30/30 (2026-11-30)");
    expect(figureDifferences(figures, embedded)).toEqual([]);
    // Not vacuous: the outage's breach, the bitmap day and the days written are in both.
    expect(figures).toMatchObject({
      rpo: [{ minutesBeyondTarget: 40 }],
      protection: [{ bitmapDays: ["2026-11-15"] }],
      coverage: { coveredMinutes: DAYS.length * 1440 },
    });
  }, 300_000);

  it("--source prometheus --prometheus-url: the same figures from VictoriaMetrics", async () => {
    const { run, figures } = await report(
      "capacity",
      "2026-11",
      "vm",
      "--source",
      "prometheus",
      "--prometheus-url",
      vm.url,
    );
    expect(run.stderr).toContain(`reading 2026-11 from the query API at ${vm.url}`);
    expect(figureDifferences(figures, embedded)).toEqual([]);
  }, 300_000);
});

describe("rpowatch report health from the store a stack configuration names", () => {
  it("--config with an InfluxDB history store: the same day's figures as from the embedded store", async () => {
    const config = join(dir, "stack.yaml");
    await writeFile(config, `history:\n  store: { kind: influxdb, url: "${influx.url}", database: rpowatch }\n`);
    const { figures: embedded } = await report("health", "2026-11-10", "health-embedded", "--store", store);
    const { run, figures } = await report("health", "2026-11-10", "health-influx", "--config", config);
    expect(run.stderr).toContain(`from InfluxDB at ${influx.url}`);
    expect(figureDifferences(figures, embedded)).toEqual([]);
    expect(figures).toMatchObject({ groups: [{ group: "erp" }] });
  }, 120_000);

  it("--prometheus-url: the same day's figures from VictoriaMetrics", async () => {
    const { figures: embedded } = await report("health", "2026-11-15", "h15-embedded", "--store", store);
    const { figures } = await report("health", "2026-11-15", "h15-vm", "--prometheus-url", vm.url);
    expect(figureDifferences(figures, embedded)).toEqual([]);
  }, 120_000);
});

describe("rpowatch report refuses a source it cannot read, naming its address", () => {
  /** A port held by a server that answers every connection with a line that is not HTTP. */
  let silent: Server;
  let silentUrl: string;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.end("not http\r\n\r\n");
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  const refused = async (...args: string[]): Promise<ReportRun> => {
    const out = join(dir, "refused");
    const run = await rpowatchReport(["capacity", "--month", "2026-11", ...args, "--out", out]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    return run;
  };

  it("InfluxDB that does not answer HTTP", async () => {
    const run = await refused("--influx-url", silentUrl);
    expect(run.stderr).toContain(`rpowatch report capacity: InfluxDB at ${silentUrl} does not answer`);
  });

  it("an InfluxDB database that does not exist", async () => {
    const run = await refused("--influx-url", influx.url, "--influx-db", "nope");
    expect(run.stderr).toContain(`InfluxDB at ${influx.url} has no database "nope"`);
    expect(run.stderr).toContain('"rpowatch"');
  });

  it("a query API that does not answer HTTP", async () => {
    const run = await refused("--prometheus-url", silentUrl);
    expect(run.stderr).toContain(`no Prometheus-compatible query API answers at ${silentUrl}/api/v1/query_range`);
  });

  it("a source without its address, or another source's options", async () => {
    expect((await refused("--source", "influxdb")).stderr).toContain("--source influxdb needs --influx-url URL");
    expect((await refused("--source", "prometheus")).stderr).toContain(
      "--source prometheus needs --prometheus-url URL",
    );
    expect((await refused("--source", "embedded", "--influx-url", influx.url)).stderr).toContain(
      "--influx-url do not apply to --source embedded",
    );
  });
});
