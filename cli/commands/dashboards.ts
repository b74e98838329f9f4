import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import { DEFAULT_PROVISIONING } from "../../dashboards/provisioning.ts";

export function registerDashboards(program: Command): void {
  const dashboards = program.command("dashboards").description("Grafana dashboards and provisioning files");
  dashboards
    .command("build")
    .description("write the dashboard JSON and Grafana provisioning YAML (datasources, dashboard provider) under DIR")
    .requiredOption("--out <dir>", "output directory (gets dashboards/ and provisioning/)")
    .option("--prometheus-url <url>", "Prometheus URL for the datasource", DEFAULT_PROVISIONING.prometheusUrl)
    .option("--influx-url <url>", "InfluxDB URL for the datasource", DEFAULT_PROVISIONING.influxUrl)
    .option("--influx-database <name>", "InfluxDB database", DEFAULT_PROVISIONING.influxDatabase)
    .option(
      "--dashboards-path <dir>",
      "where Grafana will read the dashboard JSON",
      DEFAULT_PROVISIONING.dashboardsPath,
    )
    .action(
      async (opts: {
        out: string;
        prometheusUrl: string;
        influxUrl: string;
        influxDatabase: string;
        dashboardsPath: string;
      }) => {
        const { buildFiles } = await import("../../dashboards/build.ts");
        const files = buildFiles({
          prometheusUrl: opts.prometheusUrl,
          influxUrl: opts.influxUrl,
          influxDatabase: opts.influxDatabase,
          dashboardsPath: opts.dashboardsPath,
        });
        for (const file of files) {
          const target = join(opts.out, file.path);
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, file.content);
          process.stdout.write(`wrote ${target}\n`);
        }
      },
    );
}
