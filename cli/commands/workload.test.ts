/** `rpowatch workload` end to end: a real CLI process against our NBD server. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestNbdServer } from "../../replication/nbd/test-support.ts";

const BIN = fileURLToPath(new URL("../../bin/rpowatch.js", import.meta.url));
let t: TestNbdServer;

beforeAll(async () => {
  t = await startTestServer();
  await t.addFileExport("vol1", 4 * 1024 * 1024);
  await t.addFileExport("vol2", 4 * 1024 * 1024);
});
afterAll(async () => {
  await t.stop();
});

function rpowatch(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, "--log-level", "warn", ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("rpowatch workload", () => {
  it("writes to several exports, prints progress and a summary, exits 0", async () => {
    const nbd = `${t.host}:${t.port}`;
    const before = t.server.counters().bytesWritten;
    const r = await rpowatch(
      ["workload", "--nbd", nbd, "--export", "vol1", "--export", "vol2", "--rate", "2MiB", "--duration", "2s"].concat([
        "--progress-interval",
        "500ms",
        "--seed",
        "7",
      ]),
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^writing 2\.00 MiB\/s \(steady\) to each of vol1, vol2/);
    expect(r.stdout).toMatch(/\] vol1: [\d.]+ MiB .* \| vol2: /);
    const summary = /done after [\d.]+s: ([\d.]+) MiB in (\d+) writes/.exec(r.stdout);
    expect(Number(summary?.[2])).toBeGreaterThan(0);
    expect(t.server.counters().bytesWritten - before).toBeGreaterThanOrEqual(
      (Number(summary?.[1]) - 0.005) * 1024 * 1024,
    );
  });

  it("exits 2 on a bad command line and 1 when an export cannot be opened", async () => {
    const badRate = await rpowatch(["workload", "--export", "vol1", "--rate", "fast"]);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toMatch(/expected a rate/);
    const unknown = await rpowatch([
      "workload",
      "--nbd",
      `${t.host}:${t.port}`,
      "--export",
      "nope",
      "--duration",
      "1s",
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/cannot open nope .*ERR_UNKNOWN/);
  });
});
