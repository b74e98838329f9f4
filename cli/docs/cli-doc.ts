/** Renders docs/cli.md from the program's own command definitions, so the reference never drifts. */
import type { Command } from "commander";
import { ExitCode } from "../../lib/exit-codes.ts";

function helpOf(cmd: Command): string {
  cmd.configureHelp({ helpWidth: 100 });
  return cmd.helpInformation().trimEnd();
}

function walk(cmd: Command, path: string[], out: string[]): void {
  for (const sub of cmd.commands) {
    const full = [...path, sub.name()];
    out.push(`## \`rpowatch ${full.join(" ")}\``, "", sub.description(), "", "```text", helpOf(sub), "```", "");
    walk(sub, full, out);
  }
}

export function renderCliReference(program: Command): string {
  const out = [
    "# CLI reference",
    "",
    "Generated from the command definitions by `rpowatch generate`; do not edit by hand.",
    "",
    "```text",
    helpOf(program),
    "```",
    "",
    "## Exit codes",
    "",
    "| code | meaning |",
    "|---|---|",
    `| ${ExitCode.ok} | success |`,
    `| ${ExitCode.failure} | the command ran and failed (a service could not start, a check found problems, a benchmark failed) |`,
    `| ${ExitCode.usage} | the command line was wrong (unknown command or option, missing argument) |`,
    `| ${ExitCode.config} | a configuration file is missing, unreadable or invalid |`,
    "",
  ];
  walk(program, [], out);
  return out.join("\n");
}
