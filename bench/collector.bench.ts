/**
 * Collector + exporter at scale: 10,000 volumes in 100 groups updated every second, scraped once
 * a second, side by side with a plain prom-client exporter that sets every labelled gauge on each
 * update (reset + set, the usual way to drop stale series). Both derive the same figures with the
 * same collector; what differs is the exposition: ours renders each snapshot once into cached
 * bytes, the baseline writes every series into prom-client's label maps on every update and
 * formats them on every scrape.
 *
 * The exporter runs in a child process (bench/collector-exporter.ts); this process is the scraper,
 * doing real HTTP GETs, so scrape latency includes the socket and the exporter's CPU figures
 * (process.cpuUsage in the child, reported over IPC) exclude the scraper.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import type { Command, ExporterKind, Report } from "./collector-exporter.ts";
import { GROUPS, VOLUMES_PER_GROUP } from "./collector-exporter.ts";
import type { Bench, BenchFigure } from "./types.ts";

const CYCLES = 20;
const CYCLE_MS = 1000;
/** What Prometheus sends with every scrape. */
const SCRAPE_HEADERS = {
  accept: "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1",
  "accept-encoding": "gzip",
};
const EXPORTER = fileURLToPath(new URL("./collector-exporter.ts", import.meta.url));

interface PhaseResult {
  scrapeMs: number[];
  updateCpuMs: number[];
  totalCpuMs: number;
  heapMiB: number;
  bytes: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The exporter child: one command at a time, answered by the next report of the expected type. */
function exporterProcess(kind: ExporterKind): {
  child: ChildProcess;
  ask<T extends Report["type"]>(command: Command | null, reply: T): Promise<Extract<Report, { type: T }>>;
} {
  const child = fork(EXPORTER, [kind], { execArgv: ["--import", "tsx", "--expose-gc"], stdio: "inherit" });
  return {
    child,
    async ask(command, reply) {
      const answer = once(child, "message") as Promise<[Report]>;
      if (command) child.send(command);
      const [report] = await answer;
      if (report.type !== reply) throw new Error(`exporter sent ${report.type}, expected ${reply}`);
      return report as Extract<Report, { type: typeof reply }>;
    },
  };
}

async function runPhase(kind: ExporterKind, progress: (line: string) => void): Promise<PhaseResult> {
  const { child, ask } = exporterProcess(kind);
  const { url } = await ask(null, "ready");
  const result: PhaseResult = { scrapeMs: [], updateCpuMs: [], totalCpuMs: 0, heapMiB: 0, bytes: 0 };
  const scrape = async () => {
    const t0 = performance.now();
    const body = await (await fetch(url, { headers: SCRAPE_HEADERS })).arrayBuffer();
    result.scrapeMs.push(performance.now() - t0);
    result.bytes = body.byteLength;
  };
  await ask({ type: "update" }, "updated"); // warm-up: first render and JIT, not counted
  await scrape();
  result.scrapeMs.length = 0;
  child.send({ type: "start" } satisfies Command);
  for (let i = 0; i < CYCLES; i++) {
    const started = performance.now();
    result.updateCpuMs.push((await ask({ type: "update" }, "updated")).cpuMs);
    await sleep(CYCLE_MS / 2 - (performance.now() - started));
    await scrape();
    await sleep(CYCLE_MS - (performance.now() - started));
  }
  const finished = await ask({ type: "finish" }, "finished");
  result.totalCpuMs = finished.cpuMs;
  result.heapMiB = finished.heapMiB;
  await once(child, "exit");
  progress(`${kind}: ${CYCLES} cycles, ${(result.bytes / 1e6).toFixed(1)} MB per scrape`);
  return result;
}

const quantile = (xs: number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

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
    const loadBefore = load();
    const ours = await runPhase("ours", progress);
    const peer = await runPhase("baseline", progress);
    const loadAfter = load();
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
        lowerIsBetter(
          "exporter CPU per update (everything done on an update)",
          "ms",
          mean(ours.updateCpuMs),
          mean(peer.updateCpuMs),
        ),
        lowerIsBetter(
          "exporter CPU per cycle (update + one scrape)",
          "ms",
          ours.totalCpuMs / CYCLES,
          peer.totalCpuMs / CYCLES,
          "ratio <= 0.5",
        ),
        lowerIsBetter("exporter heap after GC", "MiB", ours.heapMiB, peer.heapMiB),
      ],
      notes: [
        "Each exporter runs in its own child process, one after the other; the parent scrapes it over HTTP half a cycle after each update, with Prometheus's Accept and Accept-Encoding headers, reading (and decoding) the whole body. CPU figures are the child's own process.cpuUsage (user + system).",
        "The source is fed through the collector's sink (no network), so the figures measure the collector and the exporter, not a source.",
        `Decoded scrape size ${(ours.bytes / 1e6).toFixed(1)} MB (ours) vs ${(peer.bytes / 1e6).toFixed(1)} MB (baseline).`,
        `Load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after; on a loaded machine every figure is inflated, ratios less so.`,
      ],
    };
  },
};
