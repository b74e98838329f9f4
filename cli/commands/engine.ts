/**
 * `rpowatch engine --config site.yaml`: runs one replication site (production or recovery) until
 * SIGINT/SIGTERM. A config with errors is refused before anything starts (exit code 3).
 */
import type { Command } from "commander";
import { ExitCode } from "../../lib/exit-codes.ts";
import { formatHostPort, parseHostPort } from "../../lib/host-port.ts";
import type { LogLevel } from "../../lib/log-levels.ts";
import { VERSION } from "../../lib/version.ts";
import { formatListening } from "../stack/engine-listening.ts";

export function registerEngine(program: Command): void {
  program
    .command("engine")
    .description("run a replication engine site (production or recovery) from a site YAML file")
    .requiredOption("--config <file>", "site configuration (docs/engine.md)")
    .option(
      "--stop-with-stdin",
      "also stop when standard input closes, so a supervisor (rpowatch start) takes the site down with it even if killed",
    )
    .addHelpText(
      "after",
      "\nOnce it serves, prints one line on stdout with the addresses it bound (a port 0 in the site file\n" +
        'binds any free port): listening {"control":"127.0.0.1:41234","nbd":"127.0.0.1:41235"}\n',
    )
    .action(async (opts: { config: string; stopWithStdin?: boolean }) => {
      const [{ ConfigError, formatIssues, loadConfigFile }, { createLogger }, { siteConfig }, { startSite }] =
        await Promise.all([
          import("../../lib/config-file.ts"),
          import("../../lib/log.ts"),
          import("../../replication/config.ts"),
          import("../../replication/site.ts"),
        ]);
      let config: ReturnType<typeof siteConfig.parse>;
      try {
        config = loadConfigFile(siteConfig, opts.config);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(
          `${opts.config}: ${err.issues.length} configuration error(s)\n${formatIssues(opts.config, err.issues)}\n`,
        );
        process.exitCode = ExitCode.config;
        return;
      }
      const logger = createLogger(program.opts<{ logLevel: LogLevel }>().logLevel, `engine:${config.site}`);
      let site: Awaited<ReturnType<typeof startSite>>;
      try {
        site = await startSite(config, VERSION, logger);
      } catch (err) {
        logger.fatal({ err }, "site failed to start");
        process.exitCode = ExitCode.failure;
        return;
      }
      const at = (configured: string | undefined, port: number | undefined) =>
        configured === undefined || port === undefined
          ? undefined
          : formatHostPort({ host: parseHostPort(configured).host, port });
      const listening = {
        control: at(config.control.listen, site.controlPort)!,
        nbd: at(config.nbd?.listen, site.nbdPort),
        link: at(config.link.listen, site.linkPort),
      };
      logger.info({ site: config.site, role: config.role, ...listening }, "engine running");
      process.stdout.write(`${formatListening(listening)}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          logger.info({ signal }, "stopping");
          resolve();
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
        if (opts.stopWithStdin) {
          process.stdin.once("close", () => stop("stdin closed"));
          process.stdin.resume();
        }
      });
      await site.stop();
      // A resumed stdin keeps the event loop alive: release it, or the process outlives its stop.
      if (opts.stopWithStdin) process.stdin.destroy();
    });
}
