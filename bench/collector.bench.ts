/**
 * Collector + exporter at scale: 10,000 volumes in 100 groups updated every second, scraped once
 * a second, side by side with a plain prom-client exporter that sets every labelled gauge on each
 * update (reset + set, the usual way to drop stale series). Both derive the same figures with the
 * same collector; what differs is the exposition: ours formats the snapshot when scraped, the
 * baseline writes every series into prom-client's label maps on every update.
 */
import { Counter, Gauge, Registry } from "prom-client";
import { Collector } from "../collector/collector.ts";
import type { GroupSample, SourceSnapshot } from "../collector/model.ts";
import type { ModelSnapshot } from "../collector/snapshot.ts";
import { extractors } from "../exporter/extractors.ts";
import { createExporterApp } from "../exporter/server.ts";
import { labelNames, type MetricKey, metrics } from "../model/metrics.ts";
import type { Bench, BenchFigure } from "./types.ts";

const GROUPS = 100;
const VOLUMES_PER_GROUP = 100;
const CYCLES = 15;
const CYCLE_MS = 1000;

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

interface PhaseResult {
  scrapeMs: number[];
  updateCpuMs: number[];
  totalCpuMs: number;
  heapMiB: number;
  bytes: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function runPhase(kind: "ours" | "baseline", progress: (line: string) => void): Promise<PhaseResult> {
  const source = { name: "bench", kind: "push" as const, start() {}, stop: async () => {} };
  let cycle = 0;
  const collector = new Collector({ sources: [source], rateWindowSeconds: 60, clock: () => 1_700_000_000 + cycle });
  const baseline = kind === "baseline" ? baselineExporter() : null;
  const exporter = createExporterApp({ provider: collector });
  if (baseline) {
    // Same server and route shape; only the registry behind /metrics differs.
    exporter.app.get("/baseline", async (_req, res) => {
      res.set("Content-Type", baseline.registry.contentType).send(await baseline.registry.metrics());
    });
  }
  const running = await exporter.listen("127.0.0.1", 0);
  const path = baseline ? "/baseline" : "/metrics";
  const sink = collector.sinkFor("bench");
  const result: PhaseResult = { scrapeMs: [], updateCpuMs: [], totalCpuMs: 0, heapMiB: 0, bytes: 0 };
  const update = () => {
    const snap = sourceSnapshot(++cycle);
    const before = cpuMs();
    sink.snapshot(snap, { durationSeconds: 0, samples: GROUPS * (VOLUMES_PER_GROUP + 2) });
    baseline?.update(collector.current());
    result.updateCpuMs.push(cpuMs() - before);
  };
  update(); // warm-up cycle, not counted in the totals
  result.updateCpuMs.length = 0;
  const cpuStart = cpuMs();
  for (let i = 0; i < CYCLES; i++) {
    const started = performance.now();
    update();
    await sleep(CYCLE_MS / 2 - (performance.now() - started));
    const t0 = performance.now();
    const body = await (await fetch(`${running.url}${path}`)).text();
    result.scrapeMs.push(performance.now() - t0);
    result.bytes = body.length;
    await sleep(CYCLE_MS - (performance.now() - started));
  }
  result.totalCpuMs = cpuMs() - cpuStart;
  result.heapMiB = process.memoryUsage().heapUsed / 1024 ** 2;
  progress(`${kind}: ${CYCLES} cycles, ${(result.bytes / 1e6).toFixed(1)} MB per scrape`);
  await running.close();
  await collector.stop();
  return result;
}

const quantile = (xs: number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function lowerIsBetter(name: string, unit: string, ours: number, peer: number, aim?: string): BenchFigure {
  return {
    name,
    unit,
    ours,
    peer: { name: "plain prom-client", value: peer },
    ratio: ours / peer,
    aim,
    lowerIsBetter: true,
  };
}

export const bench: Bench = {
  name: "collector",
  description: `Collector + exporter with ${GROUPS * VOLUMES_PER_GROUP} volumes in ${GROUPS} groups, updated and scraped once a second, against a plain prom-client exporter that sets every labelled gauge on each update.`,
  async run(progress) {
    const ours = await runPhase("ours", progress);
    const peer = await runPhase("baseline", progress);
    return {
      name: "collector",
      description: bench.description,
      figures: [
        lowerIsBetter("scrape latency p50", "ms", quantile(ours.scrapeMs, 0.5), quantile(peer.scrapeMs, 0.5)),
        lowerIsBetter(
          "scrape latency p99",
          "ms",
          quantile(ours.scrapeMs, 0.99),
          quantile(peer.scrapeMs, 0.99),
          "< 100 ms",
        ),
        lowerIsBetter("CPU per update (derive + expose)", "ms", mean(ours.updateCpuMs), mean(peer.updateCpuMs)),
        lowerIsBetter(
          "CPU per cycle (update + one scrape)",
          "ms",
          ours.totalCpuMs / CYCLES,
          peer.totalCpuMs / CYCLES,
          "ratio <= 0.5",
        ),
        lowerIsBetter("heap used after the run", "MiB", ours.heapMiB, peer.heapMiB),
      ],
      notes: [
        "Both phases run in one process, one after the other, with the same collector, HTTP server and scrape client; only the exposition differs.",
        "The source is fed through the collector's sink (no network), so the figures measure the collector and the exporter, not a source.",
        `Scrape size ${(ours.bytes / 1e6).toFixed(1)} MB (ours) vs ${(peer.bytes / 1e6).toFixed(1)} MB (baseline) in the Prometheus text format.`,
        "Heap is measured without a forced GC and includes the previous phase's garbage for the baseline; read it as an order of magnitude.",
      ],
    };
  },
};
