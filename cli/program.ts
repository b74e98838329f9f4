/**
 * The `rpowatch` program: every subcommand lives in cli/commands/<name>.ts and is registered
 * here. Built by a function so that docs/cli.md can be generated from the same definitions.
 */
import { Command } from "commander";
import { LOG_LEVELS } from "../lib/log-levels.ts";
import { VERSION } from "../lib/version.ts";
import { registerAlerts } from "./commands/alerts.ts";
import { registerBench } from "./commands/bench.ts";
import { registerCheckConfig } from "./commands/check-config.ts";
import { registerCollect } from "./commands/collect.ts";
import { registerDashboards } from "./commands/dashboards.ts";
import { registerEngine } from "./commands/engine.ts";
import { registerGenerate } from "./commands/generate.ts";
import { registerReport } from "./commands/report.ts";
import { registerStart } from "./commands/start.ts";
import { registerWorkload } from "./commands/workload.ts";

export function buildProgram(): Command {
  const program = new Command()
    .name("rpowatch")
    .description("RPO-health monitoring for disaster-recovery replication, with a bundled CDP engine")
    .version(VERSION)
    .option("--log-level <level>", `log level: ${LOG_LEVELS.join(", ")}`, "info")
    .showHelpAfterError()
    .exitOverride();

  registerStart(program);
  registerEngine(program);
  registerCollect(program);
  registerWorkload(program);
  registerCheckConfig(program);
  registerAlerts(program);
  registerDashboards(program);
  registerReport(program);
  registerGenerate(program);
  registerBench(program);
  return program;
}
