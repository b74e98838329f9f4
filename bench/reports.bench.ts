/**
 * The monthly capacity report at scale: a month of 1-minute history for 1,000 volumes in 100
 * groups (with their groups' RPO and journal series and a link), written through the history
 * stores' own write paths, then `rpowatch report capacity` run on it as an operator runs it, in
 * its own process: wall time and peak RSS from the embedded store and from InfluxDB.
 */
import { execFile } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { EmbeddedStore } from "../history/embedded-store.ts";
import { InfluxStore } from "../history/influx-store.ts";
import type { HistorySample } from "../history/store.ts";
import { packagePath } from "../lib/package-root.ts";
import { type ScaleSpec, scaleDay, scaleLabels } from "../test/reports/scale-month.ts";
import { startInfluxDB } from "../test/services/influxdb.ts";
import { requireBinary } from "../test/support/binaries.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { processCpuSeconds, settle } from "./process-cpu.ts";
import type { Bench, BenchFigure } from "./types.ts";

const run = promisify(execFile);
const DAY = 86_400;
const KEEP = 100 * 365 * DAY;
const MONTH = "2026-10";
const FROM = Date.UTC(2026, 9, 1) / 1000;
/** Volumes of the embedded run (the 1,000) and of the InfluxDB run, which loads far slower. */
const VOLUMES = Number(process.env.RPOWATCH_BENCH_REPORT_VOLUMES ?? 1000);
const INFLUX_VOLUMES = Number(process.env.RPOWATCH_BENCH_REPORT_INFLUX_VOLUMES ?? 100);
/** The parts to run, e.g. `influxdb` alone (RPOWATCH_BENCH_REPORT_PARTS, comma-separated). */
const PARTS = new Set((process.env.RPOWATCH_BENCH_REPORT_PARTS ?? "embedded,influxdb").split(","));
const AIM = { embeddedSeconds: 30, influxSeconds: 60, rssMiB: 1024 };

const spec = (volumes: number): ScaleSpec => ({ from: FROM, days: 31, volumes, groups: Math.ceil(volumes / 10) });

/** Writes the month a day at a time (`afterDay`: the store's rollup, as its writer runs it); returns the points written. */
async function load(
  write: (samples: HistorySample[]) => Promise<void>,
  s: ScaleSpec,
  progress: (line: string) => void,
  afterDay: () => Promise<void> = async () => {},
): Promise<number> {
  const labels = scaleLabels(s);
  let points = 0;
  for (let d = 0; d < s.days; d++) {
    const samples = scaleDay(s, d, labels);
    await write(samples);
    await afterDay();
    points += samples.length;
    if (d % 5 === 4) progress(`  day ${d + 1}/${s.days} written (${points} points)`);
  }
  return points;
}

/** Runs `rpowatch report capacity` under /usr/bin/time: wall seconds, CPU seconds (all threads) and peak RSS in MiB. */
async function timedReport(
  out: string,
  source: string[],
): Promise<{ seconds: number; cpuSeconds: number; rssMiB: number; load: string }> {
  const time = requireBinary("/usr/bin/time", "time");
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
  const args = ["-f", "%e %M %U %S", process.execPath, packagePath("bin/rpowatch.js"), "report", "capacity"];
  const { stderr } = await run(time, [...args, "--month", MONTH, "--tenant", "acme", ...source, "--out", out], {
    // The PDF is Chromium's work on the HTML, not the report's: left out.
    env: { ...process.env, RPOWATCH_CHROMIUM: join(out, "no-chromium") },
    maxBuffer: 64 * 1024 * 1024,
  });
  const [seconds, kib, user, system] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  return { seconds: seconds!, cpuSeconds: user! + system!, rssMiB: kib! / 1024, load };
}

export const bench: Bench = {
  name: "reports",
  description:
    "Monthly capacity report for a month of 1-minute history (1,000 volumes in 100 groups, their groups' RPO and journal series, one link): `rpowatch report capacity` wall time and peak RSS from the embedded store and from InfluxDB 1.x.",
  async run(progress) {
    const dir = await makeTempDir("bench-reports");
    const figures: BenchFigure[] = [];
    const notes: string[] = [];
    try {
      if (PARTS.has("embedded")) {
        const embeddedSpec = spec(VOLUMES);
        progress(`writing a month of ${VOLUMES} volumes into the embedded store`);
        const file = join(dir, "history.duckdb");
        const store = await EmbeddedStore.open(file, {
          retention: { raw: KEEP, minute: KEEP, hour: KEEP },
          now: () => FROM + 33 * DAY,
        });
        const started = performance.now();
        const points = await load(
          (samples) => store.write(samples),
          embeddedSpec,
          progress,
          () => store.maintain(),
        );
        await store.close();
        const loadSeconds = (performance.now() - started) / 1000;
        progress("report from the embedded store");
        const embedded = await timedReport(join(dir, "embedded"), ["--store", file]);
        const scale = VOLUMES / 1000;
        figures.push(
          {
            name: `report from the embedded store, ${VOLUMES} volumes`,
            unit: "s",
            ours: embedded.seconds,
            aim: `≤ ${AIM.embeddedSeconds} s at 1,000 volumes`,
            ...(scale === 1 && { ratio: AIM.embeddedSeconds / embedded.seconds }),
            lowerIsBetter: true,
          },
          {
            name: `CPU time of that report (all threads), ${VOLUMES} volumes`,
            unit: "s",
            ours: embedded.cpuSeconds,
            lowerIsBetter: true,
          },
          {
            name: `peak RSS of that report, ${VOLUMES} volumes`,
            unit: "MiB",
            ours: embedded.rssMiB,
            aim: `≤ ${AIM.rssMiB} MiB at 1,000 volumes`,
            ...(scale === 1 && { ratio: AIM.rssMiB / embedded.rssMiB }),
            lowerIsBetter: true,
          },
        );
        notes.push(
          `Embedded report run at load average ${embedded.load} (1, 5, 15 min) on ${cpus().length} cores: wall time stretches with the load; CPU time less so.`,
        );
        notes.push(
          `Embedded: ${points} points (${(points / 1e6).toFixed(1)} M) over 31 days written through EmbeddedStore.write a day per batch and rolled up in ${loadSeconds.toFixed(0)} s (${(points / loadSeconds).toFixed(0)} points/s); the report reads the 1-minute tier.`,
        );
      }

      if (PARTS.has("influxdb")) {
        const influxSpec = spec(INFLUX_VOLUMES);
        progress(`writing a month of ${INFLUX_VOLUMES} volumes into InfluxDB`);
        const influx = await startInfluxDB();
        try {
          const remote = new InfluxStore({
            url: influx.url,
            database: "rpowatch",
            timeoutSeconds: 600,
            retention: { raw: KEEP, minute: KEEP, hour: KEEP },
          });
          const started = performance.now();
          // A month-old range holds only the minute and hour tiers (raw points keep 7 days by default):
          // they are written as the store imports old history, folded in the client.
          const influxPoints = await load((samples) => remote.importTiers(samples), influxSpec, progress);
          const influxLoad = (performance.now() - started) / 1000;
          const settled = await settle(influx.pid);
          progress(`report from InfluxDB (after ${settled.toFixed(0)} s for its compactions to settle)`);
          const serverBefore = processCpuSeconds(influx.pid);
          const fromInflux = await timedReport(join(dir, "influx"), ["--influx-url", influx.url]);
          const serverSeconds = processCpuSeconds(influx.pid) - serverBefore;
          const influxScale = INFLUX_VOLUMES / 1000;
          figures.push(
            {
              name: `report from InfluxDB, ${INFLUX_VOLUMES} volumes`,
              unit: "s",
              ours: fromInflux.seconds,
              aim: `≤ ${AIM.influxSeconds} s at 1,000 volumes`,
              ...(influxScale === 1 && { ratio: AIM.influxSeconds / fromInflux.seconds }),
              lowerIsBetter: true,
            },
            {
              name: `CPU time of that report's process (all threads), ${INFLUX_VOLUMES} volumes`,
              unit: "s",
              ours: fromInflux.cpuSeconds,
              lowerIsBetter: true,
            },
            {
              name: `peak RSS of that report, ${INFLUX_VOLUMES} volumes`,
              unit: "MiB",
              ours: fromInflux.rssMiB,
              aim: `≤ ${AIM.rssMiB} MiB at 1,000 volumes`,
              ...(influxScale === 1 && { ratio: AIM.rssMiB / fromInflux.rssMiB }),
              lowerIsBetter: true,
            },
            {
              name: `CPU time of influxd while it served that report, ${INFLUX_VOLUMES} volumes`,
              unit: "s",
              ours: serverSeconds,
              lowerIsBetter: true,
            },
          );
          notes.push(
            `InfluxDB report run at load average ${fromInflux.load} (1, 5, 15 min) on ${cpus().length} cores; influxd's CPU time from /proc/<pid>/stat across the run, started once its compactions after the load had settled (under 10 % of a core over 5 s).`,
          );
          notes.push(
            `InfluxDB: ${influxPoints} points imported through InfluxStore.importTiers (folded in the client into the minute tier, the hour tier and the hours' packed minutes; no raw point, as a month-old range holds none at the default 7-day raw retention) in ${influxLoad.toFixed(0)} s (${(influxPoints / influxLoad).toFixed(0)} points/s).`,
          );
        } finally {
          await influx.stop();
        }
      }
      if (VOLUMES !== 1000 || INFLUX_VOLUMES !== 1000) {
        notes.push(
          "Scale below the issue's 1,000 volumes where a figure says so (RPOWATCH_BENCH_REPORT_VOLUMES, RPOWATCH_BENCH_REPORT_INFLUX_VOLUMES): no ratio is given, as fixed costs (Node start, rendering) do not shrink with the volumes.",
        );
      }
      notes.push(
        "Wall time and peak RSS by /usr/bin/time of the whole command (Node start, reading a day at a time, JSON, CSV and HTML); no PDF.",
      );
      return { name: "reports", description: bench.description, figures, notes };
    } finally {
      await removeTempDir(dir);
    }
  },
};
