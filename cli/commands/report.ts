import type { Command } from "commander";
import type { HistoryReader } from "../../history/store.ts";
import { ExitCode } from "../../lib/exit-codes.ts";
import type { RenderedReport } from "../../reports/render/write.ts";
import { type SourceOptions, sourceOptions } from "./report-source.ts";

// Implementations are imported when a report is made, so `rpowatch --help` loads none of them.

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Opens history, reads and renders one report, writes its files; any failure exits 1 with the reason. */
async function produce(
  name: string,
  opts: SourceOptions & { out: string },
  make: (reader: HistoryReader, now: number, from: string) => Promise<RenderedReport>,
): Promise<void> {
  let reader: HistoryReader | undefined;
  try {
    const now = Date.now() / 1000;
    const { openSource } = await import("./report-source.ts");
    const source = await openSource(opts, say);
    reader = source.reader;
    const { writeReport } = await import("../../reports/render/write.ts");
    const written = await writeReport(opts.out, await make(reader, now, source.description), say);
    for (const file of written.files) process.stdout.write(`${file}\n`);
    if (written.pdfError) say(`no PDF: ${written.pdfError}`);
  } catch (err) {
    say(`rpowatch report ${name}: ${(err as Error).message}`);
    process.exitCode = ExitCode.failure;
  } finally {
    await reader?.close();
  }
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
  ).action((opts: SourceOptions & { month: string; tenant?: string; out: string }) =>
    produce("capacity", opts, async (reader, now, from) => {
      const { makeReport } = await import("../../reports/make.ts");
      say(`reading ${opts.month} from ${from}`);
      return makeReport("capacity", reader, opts.month, {
        ...(opts.tenant !== undefined && { tenant: opts.tenant }),
        now,
        say,
      });
    }),
  );
  sourceOptions(
    report
      .command("health")
      .description("daily health report per group (RPO, resyncs, bitmap mode, outages, journal warnings) under DIR")
      .requiredOption("--day <YYYY-MM-DD>", "calendar day (UTC); today ends now")
      .option("--tenant <name>", "only this tenant")
      .requiredOption("--out <dir>", "output directory"),
  ).action((opts: SourceOptions & { day: string; tenant?: string; out: string }) =>
    produce("health", opts, async (reader, now, from) => {
      const { makeReport } = await import("../../reports/make.ts");
      say(`reading ${opts.day} from ${from}`);
      return makeReport("health", reader, opts.day, {
        ...(opts.tenant !== undefined && { tenant: opts.tenant }),
        now,
        say,
      });
    }),
  );
}
