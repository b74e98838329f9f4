/**
 * `rpowatch` entry point: parses the command line; exit codes are those of lib/exit-codes.ts.
 * Subcommands are registered in cli/program.ts (one `registerX(program)` line each).
 */
import { CommanderError } from "commander";
import { ExitCode } from "../lib/exit-codes.ts";
import { buildProgram } from "./program.ts";

try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; usage errors were already printed by commander.
    process.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    process.stderr.write(`rpowatch: ${(err as Error).stack ?? err}\n`);
    process.exitCode = ExitCode.failure;
  }
}
