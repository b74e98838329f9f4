import { writeFile } from "node:fs/promises";
import type { Command } from "commander";

// Implementations are imported when a command runs, so `rpowatch --help` loads only commander.

export function registerAlerts(program: Command): void {
  const alerts = program.command("alerts").description("alert catalogue artefacts");
  alerts
    .command("build")
    .description("write Prometheus rules, promtool tests, the Alertmanager config and RPOWATCH-MIB")
    .requiredOption("--out <dir>", "output directory")
    .option("--config <file>", "stack configuration, for per-tenant routes")
    .option("--rpowatch-url <url>", "base URL of the rpowatch exporter serving the webhook", "http://127.0.0.1:9464")
    .action(async (opts: { out: string; config?: string; rpowatchUrl: string }) => {
      const [{ buildAlertArtefacts, writeArtefacts }, { stackConfig }, { loadConfigFile }] = await Promise.all([
        import("../../alerts/build.ts"),
        import("../../config/schema.ts"),
        import("../../lib/config-file.ts"),
      ]);
      const tenants = opts.config ? loadConfigFile(stackConfig, opts.config).alerts.routes : [];
      const files = buildAlertArtefacts({ tenants, rpowatchUrl: opts.rpowatchUrl });
      await writeArtefacts(opts.out, files);
      process.stdout.write(`wrote ${[...files.keys()].join(", ")} to ${opts.out}\n`);
    });
  alerts
    .command("docs")
    .description("write the alert catalogue table (docs/alerts.md)")
    .requiredOption("--out <file>", "output file")
    .action(async (opts: { out: string }) => {
      const { buildAlertsDoc } = await import("../../alerts/docs.ts");
      await writeFile(opts.out, buildAlertsDoc());
      process.stdout.write(`wrote ${opts.out}\n`);
    });
}
