/**
 * Where `rpowatch report` reads history: the embedded store file (directly, or through the running
 * stack that holds it), an InfluxDB database, or a Prometheus-compatible query API. The source and
 * its address come from the options, else from the stack configuration named with --config (the
 * store that stack records into), else the embedded file `npm start` writes.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import type { HttpHistoryReader } from "../../history/http-reader.ts";
import type { HistoryReader } from "../../history/store.ts";

// Implementations are imported when a report is made, so `rpowatch --help` loads none of them.

const SOURCES = ["embedded", "influxdb", "prometheus"] as const;
type Source = (typeof SOURCES)[number];
export const DEFAULT_STORE = "var/stack/history.duckdb";
/** Where `npm start` serves with no configuration (the exporter's default listen address, config/schema.ts). */
export const DEFAULT_STACK = "http://127.0.0.1:9464";
/** Per query: one query reads one metric of every entity for a day (a thousand volumes: 1.44 M points). */
const READ_TIMEOUT_SECONDS = 300;

export interface SourceOptions {
  source?: Source;
  config?: string;
  store?: string;
  stack?: string;
  influxUrl?: string;
  influxDb?: string;
  prometheusUrl?: string;
}

export function sourceOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        "--source <kind>",
        "where history is read from (default: the store of the --config stack, or the one --influx-url or --prometheus-url names, else embedded)",
      ).choices(SOURCES),
    )
    .option("--config <file>", "stack configuration: read the history store it records into (docs/config.md)")
    .option("--store <file>", `embedded history store file (default: the --config stack's, else ${DEFAULT_STORE})`)
    .option(
      "--stack <url>",
      `read through the history routes of the running stack at this exporter URL (tried at ${DEFAULT_STACK} when the store file is held)`,
    )
    .option(
      "--influx-url <url>",
      "InfluxDB 1.x HTTP API, or the v1-compatible API of InfluxDB 2 or 3 (not tested here: docs/history.md); credentials from --config or INFLUX_USERNAME/INFLUX_PASSWORD",
    )
    .option("--influx-db <name>", "InfluxDB database (default: the --config stack's, else rpowatch)")
    .option(
      "--prometheus-url <url>",
      "Prometheus-compatible query API, e.g. http://victoria:8428 or http://vmselect:8481/select/0/prometheus",
    );
}

export interface OpenedSource {
  reader: HistoryReader;
  /** Where the history is read from, in words, for the progress output. */
  description: string;
}

/** Opens the history the report reads; errors name what is missing or unreachable and what to do. */
export async function openSource(opts: SourceOptions, say: (line: string) => void): Promise<OpenedSource> {
  const configured = opts.config === undefined ? undefined : await configuredStore(opts.config);
  const source = opts.source ?? inferredSource(opts, configured?.kind);
  const stray = straySourceOptions(opts, source);
  if (stray.length > 0) throw new Error(`${stray.join(", ")} do not apply to --source ${source}`);
  if (source === "influxdb") {
    const store = configured?.kind === "influxdb" ? configured.store : undefined;
    const url = opts.influxUrl ?? store?.url;
    if (url === undefined) {
      throw new Error(
        "--source influxdb needs --influx-url URL, or --config naming a stack that records into InfluxDB",
      );
    }
    const { InfluxStore } = await import("../../history/influx-store.ts");
    const username = store?.username ?? process.env.INFLUX_USERNAME;
    const password = store?.password ?? process.env.INFLUX_PASSWORD;
    const database = opts.influxDb ?? store?.database ?? "rpowatch";
    const reader = await InfluxStore.openReader({
      url,
      database,
      ...(username && { username }),
      ...(password && { password }),
      timeoutSeconds: READ_TIMEOUT_SECONDS,
    });
    return { reader, description: `InfluxDB at ${url}, database ${database}` };
  }
  if (source === "prometheus") {
    if (opts.prometheusUrl === undefined) throw new Error("--source prometheus needs --prometheus-url URL");
    const { PrometheusReader } = await import("../../history/prometheus-reader.ts");
    const reader = await PrometheusReader.connect({ url: opts.prometheusUrl, timeoutSeconds: READ_TIMEOUT_SECONDS });
    return { reader, description: `the query API at ${opts.prometheusUrl}` };
  }
  const file = opts.store ?? (configured?.kind === "embedded" ? configured.path : DEFAULT_STORE);
  return openEmbedded(file, opts.stack, say);
}

type ConfiguredStore =
  | { kind: "embedded"; path: string }
  | {
      kind: "influxdb";
      store: { url: string; database: string; username?: string; password?: string };
    };

/** The history store a stack configuration records into: its file under dataDir, or its InfluxDB. */
async function configuredStore(file: string): Promise<ConfiguredStore> {
  const [{ loadConfigFile }, { stackConfig }, { influxConnection }] = await Promise.all([
    import("../../lib/config-file.ts"),
    import("../../config/schema.ts"),
    import("../../history/config.ts"),
  ]);
  const config = loadConfigFile(stackConfig, file);
  const store = config.history.store;
  if (store.kind === "influxdb") return { kind: "influxdb", store: influxConnection(store) };
  return { kind: "embedded", path: resolve(config.dataDir, store.path) };
}

function inferredSource(opts: SourceOptions, configured: Source | undefined): Source {
  if (opts.influxUrl !== undefined) return "influxdb";
  if (opts.prometheusUrl !== undefined) return "prometheus";
  return configured ?? "embedded";
}

/** Options given that name another source's address. */
function straySourceOptions(opts: SourceOptions, source: Source): string[] {
  const belongs: Record<string, [unknown, Source]> = {
    "--store": [opts.store, "embedded"],
    "--stack": [opts.stack, "embedded"],
    "--influx-url": [opts.influxUrl, "influxdb"],
    "--influx-db": [opts.influxDb, "influxdb"],
    "--prometheus-url": [opts.prometheusUrl, "prometheus"],
  };
  return Object.entries(belongs)
    .filter(([, [value, owner]]) => value !== undefined && owner !== source)
    .map(([name]) => name);
}

/**
 * The embedded store file. One that cannot be opened is usually held by the running stack writing
 * it (DuckDB allows one writer and no reader beside it), so the report then reads through that
 * stack's history routes, provided the stack serves this very file.
 */
async function openEmbedded(
  file: string,
  stack: string | undefined,
  say: (line: string) => void,
): Promise<OpenedSource> {
  const { HttpHistoryReader } = await import("../../history/http-reader.ts");
  if (stack !== undefined) {
    const reader = await HttpHistoryReader.connect(stack);
    return { reader, description: `the stack at ${stack} (store ${reader.store})` };
  }
  if (!existsSync(file)) {
    throw new Error(
      `no history store at ${file}: rpowatch start records one there; name another with --store, or a running stack with --stack URL`,
    );
  }
  const { EmbeddedStore } = await import("../../history/embedded-store.ts");
  let fileError: Error;
  try {
    return { reader: await EmbeddedStore.open(file, { readOnly: true }), description: `the embedded store ${file}` };
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
  if (resolve(reader.store) !== resolve(file)) {
    throw new Error(
      `${fileError.message}; the stack at ${DEFAULT_STACK} serves another store (${reader.store}). ` +
        "Stop the stack writing it, or name the stack that writes it with --stack URL",
    );
  }
  say(`${file} is held by the running stack; reading through it at ${DEFAULT_STACK}`);
  return { reader, description: `the stack at ${DEFAULT_STACK} (store ${reader.store})` };
}
