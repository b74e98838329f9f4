/**
 * `rpowatch` command line. Each subcommand lives in cli/commands/<name>.ts and registers itself
 * on the program; exit codes are those of lib/exit-codes.ts.
 */
import { Command, CommanderError } from "commander";
import { ExitCode } from "../lib/exit-codes.ts";
import { LOG_LEVELS } from "../lib/log.ts";
import { registerCheckConfig } from "./commands/check-config.ts";
import { VERSION } from "./version.ts";

const program = new Command()
  .name("rpowatch")
  .description("RPO-health monitoring for disaster-recovery replication, with a bundled CDP engine")
  .version(VERSION)
  .option("--log-level <level>", `log level: ${LOG_LEVELS.join(", ")}`, "info")
  .showHelpAfterError()
  .exitOverride();

registerCheckConfig(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here with code 0; usage errors were already printed by commander.
    process.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    process.stderr.write(`rpowatch: ${(err as Error).stack ?? err}\n`);
    process.exitCode = ExitCode.failure;
  }
}
