import type { Command } from "commander";
import { listBenches, runBenches } from "../../bench/run.ts";
import { ExitCode } from "../../lib/exit-codes.ts";

export function registerBench(program: Command): void {
  program
    .command("bench")
    .description(`run benchmarks side by side with their peers and write results to bench/results/`)
    .argument("[names...]", "benchmarks to run (default: all)")
    .option("--list", "list the benchmarks and exit")
    .action(async (names: string[], opts: { list?: boolean }) => {
      const known = await listBenches();
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
      const failed = await runBenches(names, (line) => process.stdout.write(`${line}\n`));
      if (failed.length > 0) process.exitCode = ExitCode.failure;
    });
}
