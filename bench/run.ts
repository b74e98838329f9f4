/**
 * Runs benchmarks (`bench/*.bench.ts`, each exporting `bench: Bench`) one after another and
 * writes each result to bench/results/<name>.json and a summary table to bench/results/README.md.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Bench, BenchFigure, BenchResult } from "./types.ts";

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
export const RESULTS_DIR = join(BENCH_DIR, "results");

export async function listBenches(): Promise<string[]> {
  const files = await readdir(BENCH_DIR);
  return files
    .filter((f) => f.endsWith(".bench.ts"))
    .map((f) => f.slice(0, -".bench.ts".length))
    .sort();
}

async function loadBench(name: string): Promise<Bench> {
  const mod = (await import(pathToFileURL(join(BENCH_DIR, `${name}.bench.ts`)).href)) as { bench?: Bench };
  if (!mod.bench) throw new Error(`bench/${name}.bench.ts does not export "bench"`);
  return mod.bench;
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3);
}

function figureRow(f: BenchFigure): string {
  const peer = f.peer ? `${formatNumber(f.peer.value)} (${f.peer.name})` : "—";
  const ratio = f.ratio === undefined ? "—" : formatNumber(f.ratio);
  return `| ${f.name} | ${formatNumber(f.ours)} ${f.unit} | ${peer} | ${ratio} | ${f.aim ?? "—"} |`;
}

export function renderResult(r: BenchResult & { machine?: string; date?: string }): string {
  return [
    `## ${r.name}`,
    "",
    r.description,
    "",
    r.date ? `Measured ${r.date} on ${r.machine}.` : "",
    "",
    "| figure | rpowatch | peer | ratio | aim |",
    "|---|---|---|---|---|",
    ...r.figures.map(figureRow),
    "",
    ...r.notes.map((n) => `- ${n}`),
    "",
  ].join("\n");
}

async function writeSummary(): Promise<void> {
  const files = (await readdir(RESULTS_DIR)).filter((f) => f.endsWith(".json")).sort();
  const sections: string[] = [];
  for (const f of files) sections.push(renderResult(JSON.parse(await readFile(join(RESULTS_DIR, f), "utf8"))));
  const header = "# Benchmark results\n\nWritten by `npm run bench`; each section is one benchmark's latest run.\n\n";
  await writeFile(join(RESULTS_DIR, "README.md"), header + sections.join("\n"));
}

/** Runs the named benchmarks (all when empty); returns the names that failed. */
export async function runBenches(names: string[], progress: (line: string) => void): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const selected = names.length > 0 ? names : await listBenches();
  const failed: string[] = [];
  const machine = `${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${Math.round(totalmem() / 1024 ** 3)} GiB, Node ${process.version}`;
  for (const name of selected) {
    progress(`bench ${name}: starting`);
    try {
      const bench = await loadBench(name);
      const result = await bench.run((line) => progress(`bench ${name}: ${line}`));
      const stamped = { ...result, date: new Date().toISOString(), machine };
      await writeFile(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(stamped, null, 2)}\n`);
      progress(`bench ${name}: done\n${renderResult(stamped)}`);
    } catch (err) {
      failed.push(name);
      progress(`bench ${name}: FAILED: ${(err as Error).stack ?? err}`);
    }
  }
  await writeSummary();
  return failed;
}
