import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { ExitCode } from "../../lib/exit-codes.ts";

/** Which schema a file follows: engine site files have a top-level `role`. */
async function detectKind(file: string): Promise<"site" | "stack"> {
  const { parse } = await import("yaml");
  try {
    const doc = parse(readFileSync(file, "utf8"));
    return doc && typeof doc === "object" && "role" in doc ? "site" : "stack";
  } catch {
    return "stack";
  }
}

export function registerCheckConfig(program: Command): void {
  program
    .command("check-config")
    .description("validate a configuration file (rpowatch stack config, or an engine site file) and print every error")
    .argument("<file>", "YAML file to check")
    .option("--kind <kind>", "stack or site (default: detected from the file)")
    .action(async (file: string, opts: { kind?: string }) => {
      const kind = opts.kind ?? (await detectKind(file));
      if (kind !== "site" && kind !== "stack") {
        process.stderr.write(`rpowatch check-config: --kind must be "site" or "stack", not "${kind}"\n`);
        process.exitCode = ExitCode.usage;
        return;
      }
      const [{ stackConfig }, { ConfigError, formatIssues, loadConfigFile }, { siteConfig }] = await Promise.all([
        import("../../config/schema.ts"),
        import("../../lib/config-file.ts"),
        import("../../replication/config.ts"),
      ]);
      try {
        loadConfigFile(kind === "site" ? siteConfig : stackConfig, file);
        process.stdout.write(`${file}: valid ${kind} configuration\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(
          `${file}: ${err.issues.length} error(s) in ${kind} configuration\n${formatIssues(file, err.issues)}\n`,
        );
        process.exitCode = ExitCode.config;
      }
    });
}
