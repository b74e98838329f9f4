import { pathToFileURL } from "node:url";
import type { Command } from "commander";
import { ExitCode } from "../../lib/exit-codes.ts";
import { packagePath } from "../../lib/package-root.ts";

/** What bench/run.ts offers the command. */
interface BenchRunner {
  listBenches(): Promise<string[]>;
  /** Runs the named benchmarks (all when none) and resolves with the names of those that failed. */
  runBenches(names: string[], progress: (line: string) => void): Promise<string[]>;
}

/**
 * Benchmarks run from the sources (they write bench/results/ beside them), through the TypeScript
 * loader tsx: a development dependency, registered only here.
 */
async function loadBenchRunner(): Promise<BenchRunner | null> {
  let register: () => unknown;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch {
    process.stderr.write("rpowatch bench: benchmarks need the development dependencies (npm ci, tsx)\n");
    return null;
  }
  register();
  return import(pathToFileURL(packagePath("bench/run.ts")).href);
}

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description(`run benchmarks side by side with their peers and write results to bench/results/`)
    .argument("[names...]", "benchmarks to run (default: all)")
    .option("--list", "list the benchmarks and exit")
    .action(async (names: string[], opts: { list?: boolean }) => {
      const runner = await loadBenchRunner();
      if (!runner) {
        process.exitCode = ExitCode.failure;
        return;
      }
      const known = await runner.listBenches();
      if (opts.list) {
        process.stdout.write(`${known.join("\n")}\n`);
        return;
      }
      const unknown = names.filter((n) => !known.includes(n));
      if (unknown.length > 0) {
        process.stderr.write(
          `rpowatch bench: unknown benchmark(s): ${unknown.join(", ")}; known: ${known.join(", ")}\n`,
        );
        process.exitCode = ExitCode.usage;
        return;
      }
      const failed = await runner.runBenches(names, (line) => process.stdout.write(`${line}\n`));
      if (failed.length > 0) process.exitCode = ExitCode.failure;
    });
}
