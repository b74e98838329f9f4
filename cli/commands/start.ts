import type { Command } from "commander";
import type { SourceConfig } from "../../collector/config.ts";
import { parseHostPort } from "../../lib/host-port.ts";
import type { LogLevel } from "../../lib/log-levels.ts";
import type { RunningSite } from "../stack/running-stack.ts";
import type { EmbeddedSite } from "../stack/site-files.ts";

export function registerStart(program: Command): void {
  program
    .command("start")
    .description(
      "run the whole stack: two engine sites, a workload writing through NBD, the collector, exporter and alert evaluator",
    )
    .option("--config <file>", "stack configuration file (default: embedded defaults; see docs/config.md)")
    .action(async (opts: { config?: string }) => {
      const [
        { createLogger },
        { WorkloadGenerator },
        { startEngine },
        { loadStackConfig, untilSignal },
        { startMonitoring },
        { embeddedSiteFiles },
        { writeRunningStack },
      ] = await Promise.all([
        import("../../lib/log.ts"),
        import("../../replication/workload/generator.ts"),
        import("../stack/engine-process.ts"),
        import("../stack/load-config.ts"),
        import("../stack/monitoring.ts"),
        import("../stack/site-files.ts"),
        import("../stack/running-stack.ts"),
      ]);
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
        const extraSources: SourceConfig[] = [];
        const sites: RunningSite[] = [];
        if (config.embedded.enabled) {
          const files = await embeddedSiteFiles(config);
          const started = async (site: EmbeddedSite) => {
            const engine = await startEngine(site, logLevel);
            stoppers.push(engine.stop);
            say(`engine site ${site.name} (${site.role}): control ${engine.controlUrl}, log ${site.logFile}`);
            sites.push({ name: site.name, role: site.role, control: engine.controlUrl });
            extraSources.push({
              kind: "engine" as const,
              name: `engine-${site.name}`,
              url: engine.controlUrl,
              tenant: config.tenant,
              pollInterval: 5,
              timeout: 5,
              reconnectMin: 0.5,
              reconnectMax: 30,
            });
            return engine;
          };
          const recovery = await started(await files.writeRecovery());
          const production = await started(await files.writeProduction(recovery.listening.link!));
          const nbd = parseHostPort(production.listening.nbd!);
          const workload = new WorkloadGenerator({
            host: nbd.host,
            port: nbd.port,
            exports: files.exports,
            profile: config.embedded.profile,
            profileOptions: { averageRate: config.embedded.rate },
            logger,
          });
          workload.start();
          stoppers.push(() => workload.stop());
          say(`workload: ${config.embedded.profile}, ${config.embedded.rate} B/s per volume`);
          // One address a line, as NBD clients take it: qemu-io, nbdcopy, nbdinfo, qemu-img.
          for (const volume of files.exports) say(`volume ${volume}: nbd://${production.listening.nbd}/${volume}`);
        }
        const monitoring = await startMonitoring(config, logger, extraSources);
        stoppers.push(monitoring.stop);
        say(`NOC page: ${monitoring.exporter.url}/`);
        say(`metrics: ${monitoring.exporter.url}/metrics`);
        say(`history: ${monitoring.history ? monitoring.history.location : "off"}`);
        for (const r of monitoring.reports?.next() ?? []) {
          const next = r.atMs === undefined ? "no later run" : `next ${new Date(r.atMs).toISOString()}`;
          say(`scheduled report: ${r.kind} "${r.cron}" ${r.timezone}, ${next}`);
        }
        // Last: `rpowatch recover` and `drills` find the recovery site here once everything serves.
        if (sites.length > 0) stoppers.push(await writeRunningStack(config.dataDir, { pid: process.pid, sites }));
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
