import { readFileSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { hostPortProblem } from "./host-port.ts";
import { parseByteSize, parseDuration } from "./units.ts";

/** One problem found in a configuration file: where it is and why it is wrong. */
export interface ConfigIssue {
  /** Dotted path into the document, e.g. `groups.0.rpoTargetSeconds`; empty for the whole file. */
  path: string;
  /** Line in the file, when the path can be located. */
  line?: number;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`${file}: ${issues.length} configuration error(s)\n${formatIssues(file, issues)}`);
    this.name = "ConfigError";
  }
}

export function formatIssues(file: string, issues: ConfigIssue[]): string {
  return issues
    .map((i) => `  ${file}${i.line ? `:${i.line}` : ""}: ${i.path || "(document)"}: ${i.message}`)
    .join("\n");
}

/**
 * Parses YAML text and validates it against a schema. Every issue is reported with its path
 * and, where the YAML node can be found, its line; nothing is returned unless all of it is valid.
 */
export function parseConfig<S extends z.ZodType>(schema: S, text: string, file: string): z.output<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({
        path: "",
        line: lineCounter.linePos(e.pos[0]).line,
        message: `YAML syntax: ${e.message.split("\n")[0]}`,
      })),
    );
  }
  const raw = doc.toJS() ?? {};
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const lineOf = (path: string[]): number | undefined => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  const issues = result.error.issues.flatMap((issue): ConfigIssue[] => {
    const path = issue.path.map(String);
    // An unknown key is reported at the key itself, so the user sees which line to delete.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        path: [...path, key].join("."),
        line: lineOf([...path, key]),
        message: `unknown field "${key}"`,
      }));
    }
    return [{ path: path.join("."), line: lineOf(path), message: issue.message }];
  });
  throw new ConfigError(file, issues);
}

export function loadConfigFile<S extends z.ZodType>(schema: S, file: string): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(file, [{ path: "", message: `cannot read file: ${(err as Error).message}` }]);
  }
  return parseConfig(schema, text, file);
}

/**
 * A secret in a config file is never written inline: it names an environment variable or a file.
 * The value is resolved when the config is loaded and is not part of any printed config.
 */
export const secretRef = z
  .union([z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict()])
  .describe("secret: { env: NAME } or { file: PATH }");
export type SecretRef = z.infer<typeof secretRef>;

export function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if ("env" in ref) {
    const value = env[ref.env];
    if (value === undefined || value === "") throw new Error(`environment variable ${ref.env} is not set`);
    return value;
  }
  try {
    return readFileSync(ref.file, "utf8").trim();
  } catch (err) {
    throw new Error(`cannot read secret file ${ref.file}: ${(err as Error).message}`);
  }
}

/** Durations in config files: a number of seconds, or a string such as `30m`, `6h`, `1d`, `500ms`. */
export const duration = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d|w)$/, "expected a duration such as 500ms, 30s, 30m, 6h, 1d or 2w"),
  ])
  .transform((v) => (typeof v === "number" ? v : parseDuration(v)));

/** Sizes in config files: a number of bytes, or a string such as `64MiB`, `10GB`, `512KiB`. */
export const byteSize = z
  .union([
    z.number().int().nonnegative(),
    z
      .string()
      .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/, "expected a size such as 512KiB, 64MiB or 10GB"),
  ])
  .transform((v) => (typeof v === "number" ? v : parseByteSize(v)));

/** Addresses in config files: `host:port` (lib/host-port.ts), e.g. `127.0.0.1:10809`, `[::1]:9464`. */
export const hostPort = z.string().superRefine((text, ctx) => {
  const problem = hostPortProblem(text);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
