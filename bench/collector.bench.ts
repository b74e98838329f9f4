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
import { get } from "node:http";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import type { Command, ExporterKind, Report } from "./collector-exporter.ts";
import { GROUPS, VOLUMES_PER_GROUP } from "./collector-exporter.ts";
import type { Bench, BenchFigure } from "./types.ts";

const CYCLES = 100;
const CYCLE_MS = 1000;
/** What Prometheus sends with every scrape. */
const SCRAPE_HEADERS = {
  accept: "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1",
  "accept-encoding": "gzip",
};
const EXPORTER = fileURLToPath(new URL("./collector-exporter.ts", import.meta.url));

interface PhaseResult {
  scrapeMs: number[];
  totalCpuMs: number;
  heapMiB: number;
  bytes: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Where in cycle `i` the scrape starts (0..1): a golden-ratio sequence spreads them evenly. */
const scrapePhase = (i: number) => (0.5 + i * 0.618_033_988_75) % 1;

/**
 * One scrape: time from the request to the body's last byte, as Prometheus's scrape timeout
 * counts it. Decoding the body is the scraper's work and is left out; the body comes back raw.
 */
function timedScrape(url: string): Promise<{ ms: number; body: Buffer; gzip: boolean }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    get(url, { headers: SCRAPE_HEADERS }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          ms: performance.now() - started,
          body: Buffer.concat(chunks),
          gzip: response.headers["content-encoding"] === "gzip",
        }),
      );
      response.on("error", reject);
    }).on("error", reject);
  });
}

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
  const result: PhaseResult = { scrapeMs: [], totalCpuMs: 0, heapMiB: 0, bytes: 0 };
  const scrape = async () => {
    const { ms, body, gzip } = await timedScrape(url);
    result.scrapeMs.push(ms);
    result.bytes = (gzip ? gunzipSync(body) : body).length;
  };
  await ask({ type: "update" }, "updated"); // warm-up: first render and JIT, not counted
  await scrape();
  result.scrapeMs.length = 0;
  child.send({ type: "start" } satisfies Command);
  for (let i = 0; i < CYCLES; i++) {
    const started = performance.now();
    // Prometheus does not know when the exporter updates: the scrape lands anywhere in the cycle.
    const scraped = sleep(scrapePhase(i) * CYCLE_MS).then(scrape);
    await ask({ type: "update" }, "updated");
    await scraped;
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
        lowerIsBetter("scrape latency max", "ms", quantile(ours.scrapeMs, 1), quantile(peer.scrapeMs, 1)),
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
        "Each exporter runs in its own child process, one after the other; the parent scrapes it over HTTP once per cycle at a point spread evenly over the cycle (a golden-ratio sequence), so scrapes also land while an update is being applied, with Prometheus's Accept and Accept-Encoding headers. Scrape latency is request to last byte of the body; decoding it is the scraper's work and not counted. CPU figures are the child's own process.cpuUsage (user + system, all threads).",
        "The source is fed through the collector's sink (no network), so the figures measure the collector and the exporter, not a source.",
        `Decoded scrape size ${(ours.bytes / 1e6).toFixed(1)} MB (ours) vs ${(peer.bytes / 1e6).toFixed(1)} MB (baseline).`,
        `Load average (1, 5, 15 min) ${loadBefore} before, ${loadAfter} after; on a loaded machine every figure is inflated, ratios less so.`,
      ],
    };
  },
};
