/**
 * The `rpowatch` program: every subcommand lives in cli/commands/<name>.ts and is registered
 * here. Built by a function so that docs/cli.md can be generated from the same definitions.
 */
import { Command } from "commander";
import { LOG_LEVELS } from "../lib/log.ts";
import { registerBench } from "./commands/bench.ts";
import { registerCheckConfig } from "./commands/check-config.ts";
import { registerGenerate } from "./commands/generate.ts";
import { VERSION } from "./version.ts";

export function buildProgram(): Command {
  const program = new Command()
    .name("rpowatch")
    .description("RPO-health monitoring for disaster-recovery replication, with a bundled CDP engine")
    .version(VERSION)
    .option("--log-level <level>", `log level: ${LOG_LEVELS.join(", ")}`, "info")
    .showHelpAfterError()
    .exitOverride();

  registerCheckConfig(program);
  registerBench(program);
  registerGenerate(program);
  return program;
}
