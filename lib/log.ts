import { type DestinationStream, destination, type Logger, pino } from "pino";
import type { LogLevel } from "./log-levels.ts";

export type { Logger };

// Secrets never reach a log line: any field with one of these names is censored wherever it sits.
const REDACT = ["*.psk", "*.password", "*.token", "*.authKey", "*.privKey", "*.secret", "psk", "password", "token"];

/**
 * A child logger's bindings are written before the fields of each call, and pino writes both: a
 * call repeating a bound key (`{ group }` on a group's own logger) would put it twice on the line.
 * Fields equal to a binding are dropped; a field that differs keeps its value under `<key>Logged`.
 */
function withoutBoundKeys(this: Logger, args: Parameters<Logger["info"]>, log: (...a: unknown[]) => void): void {
  const [first, ...rest] = args as unknown[];
  const bindings = this.bindings();
  if (first === null || typeof first !== "object" || first instanceof Error) {
    log(first, ...rest);
    return;
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(first)) {
    if (!(key in bindings)) fields[key] = value;
    else if (bindings[key] !== value) fields[`${key}Logged`] = value;
  }
  log(fields, ...rest);
}

/** Structured JSON logs on stderr (or `stream`), so stdout stays free for command output. */
export function createLogger(
  level: LogLevel = "info",
  name = "rpowatch",
  stream: DestinationStream = destination(2),
): Logger {
  return pino(
    {
      name,
      level,
      redact: { paths: REDACT, censor: "[redacted]" },
      hooks: {
        logMethod(args, method) {
          withoutBoundKeys.call(this, args, (...a) => method.apply(this, a as Parameters<typeof method>));
        },
      },
    },
    stream,
  );
}
