import type { Command } from "commander";
import type { LogLevel } from "../../lib/log-levels.ts";

export function registerCollect(program: Command): void {
  program
    .command("collect")
    .description(
      "run the collector, exporter (/metrics, /api/snapshot, /live, push API, Alertmanager webhook) and alert evaluator on `collector.sources`, without the embedded engine",
    )
    .requiredOption("--config <file>", "stack configuration file (see docs/config.md)")
    .action(async (opts: { config: string }) => {
      const [{ createLogger }, { loadStackConfig, untilSignal }, { startMonitoring }] = await Promise.all([
        import("../../lib/log.ts"),
        import("../stack/load-config.ts"),
        import("../stack/monitoring.ts"),
      ]);
      const config = loadStackConfig(opts.config);
      if (!config) return;
      const logger = createLogger(program.opts<{ logLevel: LogLevel }>().logLevel);
      const monitoring = await startMonitoring(config, logger);
      logger.info(
        { url: monitoring.exporter.url, sources: config.collector.sources.map((s) => s.name) },
        "collector and exporter running",
      );
      await untilSignal();
      await monitoring.stop();
    });
}
