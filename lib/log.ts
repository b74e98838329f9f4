import { destination, type Logger, pino } from "pino";
import type { LogLevel } from "./log-levels.ts";

export type { Logger };

// Secrets never reach a log line: any field with one of these names is censored wherever it sits.
const REDACT = ["*.psk", "*.password", "*.token", "*.authKey", "*.privKey", "*.secret", "psk", "password", "token"];

/** Structured JSON logs on stderr, so stdout stays free for command output. */
export function createLogger(level: LogLevel = "info", name = "rpowatch"): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: "[redacted]" } }, destination(2));
}
