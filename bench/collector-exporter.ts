/**
 * The exporter side of the collector benchmark, run in its own process (bench/collector.bench.ts
 * forks it) so the scraper shares neither its event loop nor its CPU account. It builds the
 * collector and the exporter — ours, or with a plain prom-client registry behind `/baseline` —
 * applies an update when told over IPC and reports its own CPU time (process.cpuUsage) at the end.
 */
import { fileURLToPath } from "node:url";
import { Counter, Gauge, Registry } from "prom-client";
import { Collector } from "../collector/collector.ts";
import type { GroupSample, SourceSnapshot } from "../collector/model.ts";
import { extractors } from "../collector/series.ts";
import type { ModelSnapshot } from "../collector/snapshot.ts";
import { createExporterApp } from "../exporter/server.ts";
import { labelNames, type MetricKey, metrics } from "../model/metrics.ts";

export type ExporterKind = "ours" | "baseline";
/** Scraper → exporter. `start` opens the measured span (after the warm-up update). */
export type Command = { type: "update" } | { type: "start" } | { type: "finish" };
/** Exporter → scraper. */
export type Report =
  | { type: "ready"; url: string }
  | { type: "updated" }
  | { type: "finished"; cpuMs: number; heapMiB: number };

export const GROUPS = 100;
export const VOLUMES_PER_GROUP = 100;

export function sourceSnapshot(cycle: number): SourceSnapshot {
  const groups: GroupSample[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const backlog = ((cycle * 7919 + g * 104729) % 10) * 1e6;
    groups.push({
      tenant: `t${g % 4}`,
      site: "paris",
      name: `g${g}`,
      state: "active",
      mode: "async",
      peerSite: "lyon",
      rpoSeconds: backlog / 1e6,
      rpoTargetSeconds: 1800,
      recoveryPointTimestamp: 1_700_000_000 + cycle,
      backlogBytes: { production: backlog, in_flight: backlog / 2, recovery: 0 },
      backlogWrites: backlog / 4096,
      lastBookmarkTimestamp: 1_700_000_000,
      bookmarkIntervalSeconds: 1800,
      syncProgressRatio: 1,
      syncEtaSeconds: 0,
      resyncRequired: false,
      lastTestFailoverTimestamp: 0,
      volumes: Array.from({ length: VOLUMES_PER_GROUP }, (_, v) => ({
        name: `v${v}`,
        sizeBytes: 64 * 1024 ** 3,
        writtenBytesTotal: cycle * (v + 1) * 4096,
        writeOpsTotal: cycle * (v + 1),
        trimmedBytesTotal: 0,
        rpoSeconds: (v % 5) * cycle,
      })),
      journal: {
        capacityBytes: 1e10,
        usedBytes: 1e9 + cycle * 1e6,
        undistributedBytes: 0,
        oldestRecoverableTimestamp: 1_699_990_000,
        newestRecoverableTimestamp: 1_700_000_000 + cycle,
        requiredWindowSeconds: 86400,
        achievedWindowSeconds: 10_000 + cycle,
        trimmedBytesByTime: 0,
        trimmedBytesBySpace: 0,
        storeCapacityBytes: 1e12,
      },
    });
  }
  return { timestamp: 1_700_000_000 + cycle, groups, links: [], interfaces: [] };
}

/** The baseline: one prom-client Gauge/Counter per catalogue metric, every series set on each update. */
function baselineExporter(): { registry: Registry; update(snapshot: ModelSnapshot): void } {
  const registry = new Registry();
  const series = (Object.keys(metrics) as MetricKey[]).map((key) => {
    const def = metrics[key];
    const names = labelNames(def);
    const config = { name: def.name, help: def.help, labelNames: names, registers: [registry] };
    const metric = def.type === "counter" ? new Counter(config) : new Gauge(config);
    return { key, names, metric };
  });
  return {
    registry,
    update(snapshot) {
      const now = Date.now() / 1000;
      for (const { key, names, metric } of series) {
        metric.reset();
        extractors[key](snapshot, now, (values, value) => {
          const labels: Record<string, string> = {};
          for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i]!;
          if (metric instanceof Gauge) metric.set(labels, value);
          else metric.inc(labels, value);
        });
      }
    },
  };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(kind: ExporterKind): Promise<void> {
  const send = (report: Report) => process.send?.(report);
  // Timestamped by the benchmark's own clock, not the scrapes' one: never stale.
  const source = {
    name: "bench",
    kind: "push" as const,
    staleAfterSeconds: Number.POSITIVE_INFINITY,
    start() {},
    stop: async () => {},
  };
  let cycle = 0;
  const collector = new Collector({ sources: [source], rateWindowSeconds: 60, clock: () => 1_700_000_000 + cycle });
  const baseline = kind === "baseline" ? baselineExporter() : null;
  const exporter = createExporterApp({ provider: collector });
  if (baseline) {
    // Same server and route shape; only the registry behind the route differs.
    exporter.app.get("/baseline", async (_req, res) => {
      res.set("Content-Type", baseline.registry.contentType).send(await baseline.registry.metrics());
    });
  }
  const running = await exporter.listen("127.0.0.1", 0);
  const sink = collector.sinkFor("bench");
  let measuredFrom = 0;
  process.on("message", async (command: Command) => {
    if (command.type === "update") {
      sink.snapshot(sourceSnapshot(++cycle), { durationSeconds: 0, samples: GROUPS * (VOLUMES_PER_GROUP + 2) });
      baseline?.update(collector.current());
      send({ type: "updated" });
    } else if (command.type === "start") {
      measuredFrom = cpuMs();
    } else {
      const cpu = cpuMs() - measuredFrom;
      // Forked with --expose-gc: the heap figure is what the exporter retains, not pending garbage.
      globalThis.gc?.();
      send({ type: "finished", cpuMs: cpu, heapMiB: process.memoryUsage().heapUsed / 1024 ** 2 });
      await running.close();
      await collector.stop();
      process.disconnect();
    }
  });
  send({ type: "ready", url: `${running.url}${baseline ? "/baseline" : "/metrics"}` });
}

// Run only as the forked child; the benchmark imports this module for its constants.
if (process.argv[1] === fileURLToPath(import.meta.url))
  await main(process.argv[2] === "baseline" ? "baseline" : "ours");
