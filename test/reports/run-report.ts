/** Runs the built `rpowatch report …` as an operator would, returning its exit code and output. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const BIN = new URL("../../bin/rpowatch.js", import.meta.url).pathname;
const run = promisify(execFile);

export interface ReportRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function rpowatchReport(args: readonly string[], env: Record<string, string> = {}): Promise<ReportRun> {
  return run(process.execPath, [BIN, "report", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}
