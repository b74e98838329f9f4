import { type StackConfig, stackConfig } from "../../config/schema.ts";
import { ConfigError, formatIssues, loadConfigFile } from "../../lib/config-file.ts";
import { ExitCode } from "../../lib/exit-codes.ts";

/**
 * Loads the stack config (embedded defaults when no file is given). On an invalid file prints
 * every error with its path and returns null, having set the config exit code.
 */
export function loadStackConfig(file: string | undefined): StackConfig | null {
  if (!file) return stackConfig.parse({});
  try {
    return loadConfigFile(stackConfig, file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${file}: ${err.issues.length} configuration error(s)\n${formatIssues(file, err.issues)}\n`);
    process.exitCode = ExitCode.config;
    return null;
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}
