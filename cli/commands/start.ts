import type { Command } from "commander";
import { createLogger, type LogLevel } from "../../lib/log.ts";
import { WorkloadGenerator } from "../../replication/workload/generator.ts";
import { startEngine } from "../stack/engine-process.ts";
import { loadStackConfig, untilSignal } from "../stack/load-config.ts";
import { splitHostPort, startMonitoring } from "../stack/monitoring.ts";
import { writeEmbeddedSites } from "../stack/site-files.ts";

export function registerStart(program: Command): void {
  program
    .command("start")
    .description(
      "run the whole stack: two engine sites, a workload writing through NBD, the collector, exporter and alert evaluator",
    )
    .option("--config <file>", "stack configuration file (default: embedded defaults; see docs/config.md)")
    .action(async (opts: { config?: string }) => {
      const config = loadStackConfig(opts.config);
      if (!config) return;
      const logLevel = program.opts<{ logLevel: LogLevel }>().logLevel;
      const logger = createLogger(logLevel);
      const say = (line: string) => process.stdout.write(`${line}\n`);
      const stoppers: Array<() => Promise<void>> = [];
      const stopAll = async () => {
        for (const stop of stoppers.reverse()) await stop().catch((err) => logger.error({ err }, "stop failed"));
      };

      try {
        const extraSources = [];
        if (config.embedded.enabled) {
          const sites = await writeEmbeddedSites(config);
          for (const site of [sites.recovery, sites.production]) {
            const engine = await startEngine(site, logLevel);
            stoppers.push(engine.stop);
            say(`engine site ${site.name} (${site.role}): control ${site.controlUrl}, log ${site.logFile}`);
            extraSources.push({
              kind: "engine" as const,
              name: `engine-${site.name}`,
              url: site.controlUrl,
              tenant: config.tenant,
              pollInterval: 5,
              timeout: 5,
              streamIdleTimeout: 15,
              reconnectMin: 0.5,
              reconnectMax: 30,
            });
          }
          const nbd = splitHostPort(sites.production.nbd!);
          const workload = new WorkloadGenerator({
            host: nbd.host,
            port: nbd.port,
            exports: sites.exports,
            profile: config.embedded.profile,
            profileOptions: { averageRate: config.embedded.rate },
            logger,
          });
          workload.start();
          stoppers.push(() => workload.stop());
          say(
            `workload: ${config.embedded.profile} ${config.embedded.rate} B/s per volume on nbd://${sites.production.nbd}/{${sites.exports.join(",")}}`,
          );
        }
        const monitoring = await startMonitoring(config, logger, extraSources);
        stoppers.push(monitoring.stop);
        say(`exporter: ${monitoring.exporter.url}/ (NOC page), ${monitoring.exporter.url}/metrics`);
        say(`history: ${monitoring.history ? monitoring.history.location : "off"}`);
        say(`alert evaluator: ${monitoring.evaluator ? "on" : "off"}; Ctrl-C stops everything`);
      } catch (err) {
        await stopAll();
        throw err;
      }
      const signal = await untilSignal();
      say(`${signal}: stopping`);
      await stopAll();
      say("stopped");
    });
}
