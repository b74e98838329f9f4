/**
 * `rpowatch drills …`: the DR drill records a recovery site keeps (docs/recovery.md): list them,
 * show one, or export them all as JSON, CSV or HTML.
 */
import { type Command, Option } from "commander";
import type { DrillRecord } from "../../replication/drills/drill-store.ts";
import { EXPORT_FORMATS, type ExportFormat, exportDrills } from "./drill-export.ts";
import { operation } from "./recover.ts";
import { siteOption } from "./site-api.ts";

const iso = (t: number | undefined) => (t === undefined ? "-" : new Date(t * 1000).toISOString());

export function registerDrills(program: Command): void {
  const drills = program.command("drills").description("DR drill records kept by a recovery site");

  drills
    .command("list")
    .description("one line per drill: id, kind (test-failover or failover), group, point, start, measured RTO, result")
    .addOption(siteOption())
    .option("--json", "print the API answer as JSON")
    .action(
      operation<{ json?: boolean }>(async (api, o) => {
        const all = await api.get<DrillRecord[]>("/drills");
        if (o.json) return void process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
        const lines = all.map(
          (d) =>
            `${d.id}  ${d.kind}  ${d.group}  point ${iso(d.point.timestamp)}${d.point.bookmark ? ` (${d.point.bookmark})` : ""}  started ${iso(d.startedAt)}  RTO ${d.rtoSeconds === undefined ? "-" : `${d.rtoSeconds.toFixed(3)} s`}  ${d.result}`,
        );
        process.stdout.write(lines.length ? `${lines.join("\n")}\n` : "no drills recorded\n");
      }),
    );

  drills
    .command("show")
    .description("every field of one drill")
    .argument("<id>", "drill id (from drills list)")
    .addOption(siteOption())
    .action((id: string, opts: { site?: string }) =>
      operation<{ site?: string }>(async (api) => {
        const d = await api.get<DrillRecord>(`/drills/${encodeURIComponent(id)}`);
        process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
      })(opts),
    );

  drills
    .command("export")
    .description("every drill as a file on stdout")
    .addOption(new Option("--format <format>", "json, csv or html").choices(EXPORT_FORMATS).default("json"))
    .addOption(siteOption())
    .action(
      operation<{ format: ExportFormat }>(async (api, o) => {
        process.stdout.write(exportDrills(await api.get<DrillRecord[]>("/drills"), o.format));
      }),
    );
}
