/**
 * Throughput before and after the reshape of issue #13 (the journal split and what followed), side
 * by side in one run: the engine as of the last commit before the journal split, exported from git,
 * and this checkout's engine, each as a real site pair, take the same fio write jobs in turn
 * in pairs (before after, after before, …), so drift of a shared machine falls on both. Figures are
 * after / before: of the best runs (the least disturbed by other work), and the median of the
 * ratios within each pair (adjacent runs see the same machine, so slow phases cancel out).
 */
import { loadavg } from "node:os";
import { packagePath } from "../lib/package-root.ts";
import { percentile } from "../reports/statistics.ts";
import { type FioJob, runFio } from "./fio.ts";
import { commitBeforeLastChangeOf, exportTree, type GitTree } from "./git-tree.ts";
import { TreeEnginePair } from "./tree-engine-pair.ts";
import type { Bench, BenchFigure } from "./types.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const VOLUME_MIB = 128;
const RUNTIME_SECONDS = 6;
/** Pairs of runs per job (RPOWATCH_BENCH_RESHAPE_PAIRS, default 5); each pair runs both versions, in turn first. */
const PAIRS = Number(process.env.RPOWATCH_BENCH_RESHAPE_PAIRS ?? 5);
type Version = "before" | "after";
const ORDER: readonly Version[] = Array.from({ length: PAIRS }, (_, i): Version[] =>
  i % 2 === 0 ? ["before", "after"] : ["after", "before"],
).flat();
/** The file the journal split removed: the commit before the one that did is "before". */
const SPLIT_FILE = "replication/recovery/group.ts";

const JOBS: { figure: string; job: Omit<FioJob, "uri" | "name"> }[] = [
  {
    figure: "4 KiB random write, QD32",
    job: { rw: "randwrite", bs: "4k", iodepth: 32, size: `${VOLUME_MIB}M`, runtimeSeconds: RUNTIME_SECONDS },
  },
  {
    figure: "1 MiB sequential write, QD8",
    job: { rw: "write", bs: "1m", iodepth: 8, size: `${VOLUME_MIB}M`, runtimeSeconds: RUNTIME_SECONDS },
  },
];

interface Run {
  /** What fio saw: client writes acknowledged per second. */
  clientBytesPerSecond: number;
  /** Bytes written ÷ time from the start of the run until the recovery site applied them all. */
  replicatedBytesPerSecond: number;
  /** CPU time of both sites from the start of the run until the recovery site applied it all, per GiB written. */
  cpuSecondsPerGiB: number;
}

async function measure(pair: TreeEnginePair, job: Omit<FioJob, "uri" | "name">): Promise<Run> {
  await pair.caughtUp();
  const started = performance.now();
  const cpuAtStart = pair.cpuSeconds();
  const r = await runFio({ ...job, name: "reshape", uri: pair.nbdUri });
  await pair.caughtUp();
  const seconds = (performance.now() - started) / 1000;
  return {
    clientBytesPerSecond: r.bytesPerSecond,
    replicatedBytesPerSecond: r.ioBytes / seconds,
    cpuSecondsPerGiB: (pair.cpuSeconds() - cpuAtStart) / (r.ioBytes / GiB),
  };
}

export const bench: Bench = {
  name: "reshape",
  description:
    `The engine before the reshape (the last commit before the journal split, from git) against this checkout's, ` +
    `same fio write jobs through the production NBD export with replication to a recovery site on the same machine, ` +
    `${VOLUME_MIB} MiB preallocated volume, ${RUNTIME_SECONDS} s per run, ${PAIRS} pairs of runs per job in the order ${ORDER.join(", ")}; ` +
    "ratio after / before of the best runs, and the median of the ratios within each pair.",
  async run(progress) {
    const loadAtStart = loadavg()[0]!;
    const baseline = commitBeforeLastChangeOf(SPLIT_FILE);
    progress(`exporting ${baseline.slice(0, 10)} (before the journal split)`);
    const tree: GitTree = await exportTree(baseline);
    const pairs: { before?: TreeEnginePair; after?: TreeEnginePair } = {};
    try {
      progress("starting the pair before the reshape");
      pairs.before = await TreeEnginePair.start(tree.root, "before", VOLUME_MIB);
      progress("starting the pair after the reshape");
      pairs.after = await TreeEnginePair.start(packagePath("."), "after", VOLUME_MIB);
      const figures: BenchFigure[] = [];
      const rounds: string[] = [];
      for (const { figure, job } of JOBS) {
        const runs: Record<Version, Run[]> = { before: [], after: [] };
        for (const which of ORDER) {
          progress(`${figure}: ${which}`);
          runs[which].push(await measure(pairs[which]!, job));
        }
        const client = (w: Version) => Math.max(...runs[w].map((r) => r.clientBytesPerSecond)) / MiB;
        const replicated = (w: Version) => Math.max(...runs[w].map((r) => r.replicatedBytesPerSecond)) / MiB;
        for (const [what, pick] of [
          ["client write throughput", client],
          ["replicated throughput (until the replica has it)", replicated],
        ] as const) {
          figures.push({
            name: `${figure}: ${what}`,
            unit: "MiB/s",
            ours: pick("after"),
            peer: { name: "before the reshape", value: pick("before") },
            ratio: pick("after") / pick("before"),
            aim: "ratio >= 1 (no throughput lost)",
          });
        }
        /** after / before within each pair: runs[w][i] of both versions are the i-th pair's. */
        const paired = (key: keyof Run) => runs.after.map((r, i) => r[key] / runs.before[i]![key]);
        for (const [what, key] of [
          ["client write throughput", "clientBytesPerSecond"],
          ["replicated throughput", "replicatedBytesPerSecond"],
        ] as const) {
          const ratios = paired(key);
          figures.push({
            name: `${figure}: ${what}, median of the ${PAIRS} paired ratios`,
            unit: "ratio",
            ours: percentile(ratios, 0.5)!,
            ratio: percentile(ratios, 0.5)!,
            aim: "ratio >= 1 (no throughput lost)",
          });
          rounds.push(
            `${figure}, ${what}, paired ratios after / before, sorted: ${[...ratios]
              .sort((a, b) => a - b)
              .map((r) => r.toFixed(2))
              .join(", ")}.`,
          );
        }
        const median = (w: Version, key: keyof Run) =>
          percentile(
            runs[w].map((r) => r[key]),
            0.5,
          )!;
        figures.push({
          name: `${figure}: CPU of both sites per GiB written (median run)`,
          unit: "s/GiB",
          ours: median("after", "cpuSecondsPerGiB"),
          peer: { name: "before the reshape", value: median("before", "cpuSecondsPerGiB") },
          ratio: median("after", "cpuSecondsPerGiB") / median("before", "cpuSecondsPerGiB"),
          aim: "ratio <= 1 (no more work per byte)",
          lowerIsBetter: true,
        });
        const list = (w: Version, key: keyof Run, unit: number) =>
          runs[w].map((r) => (r[key] / unit).toPrecision(3)).join(", ");
        const medianRatio = (key: keyof Run) => (median("after", key) / median("before", key)).toFixed(2);
        rounds.push(
          `${figure}, per run: client MiB/s before ${list("before", "clientBytesPerSecond", MiB)}, after ${list("after", "clientBytesPerSecond", MiB)}; ` +
            `replicated MiB/s before ${list("before", "replicatedBytesPerSecond", MiB)}, after ${list("after", "replicatedBytesPerSecond", MiB)}; ` +
            `CPU s/GiB before ${list("before", "cpuSecondsPerGiB", 1)}, after ${list("after", "cpuSecondsPerGiB", 1)}. ` +
            `Ratio of the medians: client ${medianRatio("clientBytesPerSecond")}, replicated ${medianRatio("replicatedBytesPerSecond")}.`,
        );
      }
      return {
        name: "reshape",
        description: bench.description,
        figures,
        notes: [
          `Before: ${baseline.slice(0, 10)} "${tree.subject}", the last commit before ${SPLIT_FILE} was split into replication/journal/; after: this checkout.`,
          "Both versions run from their sources through tsx (node --import tsx cli/main.ts engine), with the same node_modules, site files (async, default compression, one group of one volume) and ports bound as port 0.",
          "Replicated throughput counts the time until the recovery site has applied every write to the replica (journal append, distribution, undo), which is where the split moved code.",
          "CPU per GiB is the user and system time of both site processes (/proc/<pid>/stat) from the start of a run until the replica has it all, divided by the bytes fio wrote: the work each version does per byte, which a busy machine disturbs far less than throughput.",
          ...rounds,
          "Both pairs, fio and the page cache share this machine's 2 cores and one disk with whatever else runs on it; the idle pair only heartbeats while the other runs. The best run is the one least disturbed, and a pair's two runs see the same phase of the machine; the spread of the runs and of the paired ratios above says how far to trust a ratio.",
          `1-minute load average at start: ${loadAtStart.toFixed(1)}.`,
        ],
      };
    } finally {
      await pairs.after?.stop();
      await pairs.before?.stop();
      await tree.remove();
    }
  },
};
