/**
 * `rpowatch workload`: drive NBD exports with a synthetic change rate (steady, bursty or a daily
 * cycle) so replication and RPO monitoring have something to watch. Progress lines on stdout.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { ExitCode } from "../../lib/exit-codes.ts";
import { type HostPort, hostPortProblem, parseHostPort } from "../../lib/host-port.ts";
import type { LogLevel } from "../../lib/log-levels.ts";
import { parseByteSize, parseDuration } from "../../lib/units.ts";
import type { ExportWorkloadStats } from "../../replication/workload/generator.ts";
import { PROFILE_NAMES, type ProfileName } from "../../replication/workload/profile.ts";

interface WorkloadCliOptions {
  nbd: { host: string; port: number };
  export: string[];
  rate: number;
  profile: ProfileName;
  duration: number;
  burst: number;
  burstFactor: number;
  period: number;
  queueDepth: number;
  flushProbability: number;
  seed?: number;
  progressInterval: number;
  logLevel: LogLevel;
}

function parseAddress(text: string): HostPort {
  if (hostPortProblem(text) !== null || parseHostPort(text).port === 0)
    throw new InvalidArgumentError("expected host:port, e.g. 127.0.0.1:10809");
  return parseHostPort(text);
}

/** Wraps a parser so that its error becomes commander's usage error. */
function parser<T>(parse: (text: string) => T, check: (v: T) => boolean, hint: string) {
  return (text: string): T => {
    let value: T;
    try {
      value = parse(text);
    } catch {
      throw new InvalidArgumentError(hint);
    }
    if (!check(value)) throw new InvalidArgumentError(hint);
    return value;
  };
}

const rate = parser(
  (t) => parseByteSize(t.replace(/\/s$/, "")),
  (n) => n > 0,
  "expected a rate such as 512KiB or 4MiB",
);
/** A duration such as 90s or 10m; a bare number is seconds. */
const seconds = (t: string) => (/^\d+(\.\d+)?$/.test(t) ? Number(t) : parseDuration(t));
const duration = parser(seconds, (n) => n >= 0, "expected a duration such as 90s, 10m or 2h");
const positiveDuration = parser(seconds, (n) => n > 0, "expected a positive duration such as 10s");
const number = (check: (n: number) => boolean, hint: string) =>
  parser(Number, (n) => Number.isFinite(n) && check(n), hint);
const atLeastOne = number((n) => n >= 1, "expected a number >= 1");
const queueDepth = number((n) => Number.isInteger(n) && n >= 1 && n <= 256, "expected an integer 1-256");
const probability = number((n) => n >= 0 && n <= 1, "expected a number 0-1");
const integer = number(Number.isInteger, "expected an integer");
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** An option whose default is given as text, parsed like a user's value and shown as typed. */
function withDefault<T>(flags: string, description: string, parse: (text: string) => T, text: string): Option {
  return new Option(flags, description).argParser(parse).default(parse(text), text);
}

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(2)} MiB`;

function progressLine(elapsed: number, now: ExportWorkloadStats[], last: ExportWorkloadStats[], interval: number) {
  const parts = now.map((s, i) => {
    const recent = (s.bytesWritten - last[i]!.bytesWritten) / interval;
    const state = s.connected ? "" : " DISCONNECTED";
    return `${s.export}: ${mib(s.bytesWritten)} ${mib(recent)}/s ${s.writeOps} writes ${s.flushOps} flushes${
      s.failedOps ? ` ${s.failedOps} failed` : ""
    }${s.reconnects ? ` ${s.reconnects} reconnects` : ""}${state}`;
  });
  return `[${elapsed.toFixed(0).padStart(5)}s] ${parts.join(" | ")}\n`;
}

async function runWorkload(opts: WorkloadCliOptions): Promise<ExitCode> {
  const [{ createLogger }, { WorkloadGenerator }] = await Promise.all([
    import("../../lib/log.ts"),
    import("../../replication/workload/generator.ts"),
  ]);
  const generator = new WorkloadGenerator({
    ...opts.nbd,
    exports: opts.export,
    profile: opts.profile,
    profileOptions: {
      averageRate: opts.rate,
      burstSeconds: opts.burst,
      burstFactor: opts.burstFactor,
      periodSeconds: opts.period,
    },
    queueDepth: opts.queueDepth,
    flushProbability: opts.flushProbability,
    seed: opts.seed,
    logger: createLogger(opts.logLevel),
  });
  try {
    await generator.start();
  } catch (err) {
    process.stderr.write(
      `rpowatch workload: cannot open ${opts.export.join(", ")} at ${opts.nbd.host}:${opts.nbd.port}: ${(err as Error).message}\n`,
    );
    return ExitCode.failure;
  }
  process.stdout.write(
    `writing ${mib(opts.rate)}/s (${opts.profile}) to each of ${opts.export.join(", ")} at ${opts.nbd.host}:${opts.nbd.port}` +
      `${opts.duration > 0 ? ` for ${opts.duration}s` : " until interrupted"}\n`,
  );
  const started = performance.now();
  let last = generator.snapshot();
  const ticker = setInterval(() => {
    const now = generator.snapshot();
    process.stdout.write(progressLine((performance.now() - started) / 1000, now, last, opts.progressInterval));
    last = now;
  }, opts.progressInterval * 1000);
  await new Promise<void>((resolve) => {
    const timer = opts.duration > 0 ? setTimeout(resolve, opts.duration * 1000) : undefined;
    const interrupt = () => {
      clearTimeout(timer);
      resolve();
    };
    process.once("SIGINT", interrupt);
    process.once("SIGTERM", interrupt);
  });
  clearInterval(ticker);
  await generator.stop();
  const elapsed = (performance.now() - started) / 1000;
  const stats = generator.snapshot();
  const bytes = stats.reduce((sum, s) => sum + s.bytesWritten, 0);
  process.stdout.write(
    `done after ${elapsed.toFixed(1)}s: ${mib(bytes)} in ${stats.reduce((n, s) => n + s.writeOps, 0)} writes ` +
      `(${mib(bytes / elapsed)}/s), ${stats.reduce((n, s) => n + s.flushOps, 0)} flushes, ` +
      `${stats.reduce((n, s) => n + s.failedOps, 0)} failed, ${stats.reduce((n, s) => n + s.reconnects, 0)} reconnects\n`,
  );
  return ExitCode.ok;
}

export function registerWorkload(program: Command): void {
  program
    .command("workload")
    .description("write to NBD exports at a configured change rate and profile (test and demo load)")
    .addOption(withDefault("--nbd <host:port>", "NBD server address", parseAddress, "127.0.0.1:10809"))
    .requiredOption("--export <name>", "export to write to (repeat for several)", collect)
    .addOption(withDefault("--rate <size>", "average change rate of each export per second, e.g. 512KiB", rate, "1MiB"))
    .addOption(new Option("--profile <profile>", "rate profile").choices(PROFILE_NAMES).default("steady"))
    .addOption(
      withDefault("--duration <duration>", "how long to run, e.g. 60s, 10m; 0 = until interrupted", duration, "0"),
    )
    .addOption(withDefault("--burst <duration>", "bursty: length of a burst", positiveDuration, "10s"))
    .addOption(withDefault("--burst-factor <n>", "bursty: burst rate as a multiple of the average", atLeastOne, "5"))
    .addOption(
      withDefault("--period <duration>", "daily: length of one cycle (e.g. 10m for demos)", positiveDuration, "24h"),
    )
    .addOption(withDefault("--queue-depth <n>", "writes in flight per export", queueDepth, "8"))
    .addOption(withDefault("--flush-probability <p>", "chance of a FLUSH after a write", probability, "0.02"))
    .addOption(new Option("--seed <n>", "seed for offsets and sizes (repeatable runs)").argParser(integer))
    .addOption(withDefault("--progress-interval <duration>", "time between progress lines", positiveDuration, "5s"))
    .addHelpText(
      "after",
      "\nExit codes: 0 finished (or interrupted), 1 an export could not be opened, 2 bad command line.\n" +
        "Example: rpowatch workload --nbd 127.0.0.1:10809 --export vol1 --rate 2MiB --profile bursty --duration 5m\n",
    )
    .action(async (_opts: unknown, command: Command) => {
      process.exitCode = await runWorkload(command.optsWithGlobals<WorkloadCliOptions>());
    });
}
