import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { HttpHistoryReader } from "../../history/http-reader.ts";
import type { HistoryReader } from "../../history/store.ts";
import { ExitCode } from "../../lib/exit-codes.ts";
import type { RenderedReport } from "../../reports/render/write.ts";

// Implementations are imported when a report is made, so `rpowatch --help` loads none of them.

const SOURCES = ["embedded", "influxdb", "prometheus"] as const;
type Source = (typeof SOURCES)[number];
export const DEFAULT_STORE = "var/stack/history.duckdb";

const say = (line: string) => process.stderr.write(`${line}\n`);

/** Where `npm start` serves with no configuration (the exporter's default listen address, config/schema.ts). */
export const DEFAULT_STACK = "http://127.0.0.1:9464";

interface SourceOptions {
  source: Source;
  store: string;
  stack?: string;
}

/**
 * Opens the history the report reads; errors name what is missing and what to do. A store file
 * that cannot be opened is usually held by the running stack writing it (DuckDB allows one
 * writer and no reader beside it), so the report then reads through that stack's history routes,
 * provided the stack serves this very file.
 */
async function openReader(opts: SourceOptions): Promise<HistoryReader> {
  if (opts.source !== "embedded") {
    throw new Error(
      `--source ${opts.source}: this build has no ${opts.source} history reader yet; use --source embedded`,
    );
  }
  if (opts.stack !== undefined) {
    const { HttpHistoryReader } = await import("../../history/http-reader.ts");
    const reader = await HttpHistoryReader.connect(opts.stack);
    say(`reading through the stack at ${opts.stack} (store ${reader.store})`);
    return reader;
  }
  if (!existsSync(opts.store)) {
    throw new Error(
      `no history store at ${opts.store}: rpowatch start records one there; name another with --store, or a running stack with --stack URL`,
    );
  }
  const { EmbeddedStore } = await import("../../history/embedded-store.ts");
  const { HttpHistoryReader } = await import("../../history/http-reader.ts");
  let fileError: Error;
  try {
    return await EmbeddedStore.open(opts.store, { readOnly: true });
  } catch (err) {
    fileError = err as Error;
  }
  let reader: HttpHistoryReader;
  try {
    reader = await HttpHistoryReader.connect(DEFAULT_STACK);
  } catch (err) {
    throw new Error(
      `${fileError.message}; nor could it be read through a running stack: ${(err as Error).message}. ` +
        "Stop the stack writing it and run again, or name the running stack's exporter with --stack URL",
    );
  }
  if (resolve(reader.store) !== resolve(opts.store)) {
    throw new Error(
      `${fileError.message}; the stack at ${DEFAULT_STACK} serves another store (${reader.store}). ` +
        "Stop the stack writing it, or name the stack that writes it with --stack URL",
    );
  }
  say(`${opts.store} is held by the running stack; reading through it at ${DEFAULT_STACK}`);
  return reader;
}

function sourceOptions(command: Command): Command {
  return command
    .addOption(new Option("--source <kind>", "where history is read from").choices(SOURCES).default("embedded"))
    .option("--store <file>", "embedded history store file", DEFAULT_STORE)
    .option(
      "--stack <url>",
      `read through the history routes of the running stack at this exporter URL (tried at ${DEFAULT_STACK} when the store file is held)`,
    );
}

/** Opens history, reads and renders one report, writes its files; any failure exits 1 with the reason. */
async function produce(
  name: string,
  opts: SourceOptions & { out: string },
  make: (reader: HistoryReader, now: number) => Promise<RenderedReport>,
): Promise<void> {
  let reader: HistoryReader | undefined;
  try {
    const now = Date.now() / 1000;
    reader = await openReader(opts);
    const { writeReport } = await import("../../reports/render/write.ts");
    const written = await writeReport(opts.out, await make(reader, now), say);
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
    produce("capacity", opts, async (reader, now) => {
      const { makeReport } = await import("../../reports/make.ts");
      say(`reading ${opts.month} from the ${opts.source} history`);
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
    produce("health", opts, async (reader, now) => {
      const { makeReport } = await import("../../reports/make.ts");
      say(`reading ${opts.day} from the ${opts.source} history`);
      return makeReport("health", reader, opts.day, {
        ...(opts.tenant !== undefined && { tenant: opts.tenant }),
        now,
        say,
      });
    }),
  );
}
