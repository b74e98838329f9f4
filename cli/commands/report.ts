import { existsSync } from "node:fs";
import { type Command, Option } from "commander";
import { EmbeddedStore } from "../../history/embedded-store.ts";
import type { HistoryReader } from "../../history/store.ts";
import { ExitCode } from "../../lib/exit-codes.ts";
import { readCapacityReport } from "../../reports/capacity/build.ts";
import { renderCapacity } from "../../reports/capacity/render.ts";
import { monthPeriod } from "../../reports/period.ts";
import { writeReport } from "../../reports/render/write.ts";

const SOURCES = ["embedded", "influxdb", "prometheus"] as const;
type Source = (typeof SOURCES)[number];
export const DEFAULT_STORE = "var/stack/history.duckdb";

interface SourceOptions {
  source: Source;
  store: string;
}

/** Opens the history the report reads; errors name what is missing and what to do. */
async function openReader(opts: SourceOptions): Promise<HistoryReader> {
  if (opts.source !== "embedded") {
    throw new Error(
      `--source ${opts.source}: this build has no ${opts.source} history reader yet; use --source embedded`,
    );
  }
  if (!existsSync(opts.store)) {
    throw new Error(
      `no history store at ${opts.store}: rpowatch start records one there, or name another with --store`,
    );
  }
  return EmbeddedStore.open(opts.store, { readOnly: true });
}

const say = (line: string) => process.stderr.write(`${line}\n`);

function sourceOptions(command: Command): Command {
  return command
    .addOption(new Option("--source <kind>", "where history is read from").choices(SOURCES).default("embedded"))
    .option("--store <file>", "embedded history store file", DEFAULT_STORE);
}

export function registerReport(program: Command): void {
  const report = program.command("report").description("reports computed from recorded history");
  sourceOptions(
    report
      .command("capacity")
      .description("monthly capacity report: HTML, PDF, CSV and JSON of the same figures under DIR")
      .requiredOption("--month <YYYY-MM>", "calendar month (UTC); the current month ends now")
      .option("--tenant <name>", "only this tenant")
      .requiredOption("--out <dir>", "output directory"),
  ).action(async (opts: SourceOptions & { month: string; tenant?: string; out: string }) => {
    const now = Date.now() / 1000;
    let reader: HistoryReader | undefined;
    try {
      const period = monthPeriod(opts.month, now);
      reader = await openReader(opts);
      say(`reading ${opts.month} from the ${opts.source} history`);
      const data = await readCapacityReport(
        reader,
        period,
        { ...(opts.tenant !== undefined && { tenant: opts.tenant }), generatedAt: now },
        (done, total, day) => say(`  day ${done}/${total} (${day})`),
      );
      const written = await writeReport(opts.out, renderCapacity(data), say);
      for (const file of written.files) process.stdout.write(`${file}\n`);
      if (written.pdfError) say(`no PDF: ${written.pdfError}`);
    } catch (err) {
      say(`rpowatch report capacity: ${(err as Error).message}`);
      process.exitCode = ExitCode.failure;
    } finally {
      await reader?.close();
    }
  });
}
