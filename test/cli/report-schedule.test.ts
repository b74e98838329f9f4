/**
 * `rpowatch start` runs the report schedule: it prints each schedule's next run, catches up a slot
 * missed while it was down, and a run that fails (here: a fresh history holds nothing for
 * yesterday) is logged and counted in /metrics while the stack keeps running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { packagePath } from "../../lib/package-root.ts";
import { waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

let child: ChildProcess | undefined;
let dir = "";
afterAll(async () => {
  child?.kill("SIGKILL");
  if (dir) await removeTempDir(dir);
});

it("catches up the missed slot at start, logs and counts its failure, and keeps running", async () => {
  dir = await makeTempDir("report-schedule-start");
  const data = join(dir, "data");
  await mkdir(data);
  // A yearly slot, so none falls due while the test runs; the schedule was first seen more than a
  // year ago and has never completed, so a slot has passed since.
  const firstSeen = new Date(Date.now() - 370 * 86_400_000).toISOString();
  await writeFile(
    join(data, "report-schedule.json"),
    JSON.stringify({ version: 1, schedules: { "health:*:reports": { firstSeen } } }),
  );
  const config = join(dir, "stack.yaml");
  await writeFile(
    config,
    [
      `dataDir: ${data}`,
      'exporter: { listen: "127.0.0.1:0" }',
      "embedded: { enabled: false }",
      'reports: { schedule: [{ kind: health, cron: "0 6 1 1 *" }] }',
      "",
    ].join("\n"),
  );
  child = spawn(
    process.execPath,
    [packagePath("bin/rpowatch.js"), "--log-level", "info", "start", "--config", config],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exporter = await waitFor(() => /NOC page: (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(stdout)?.[1], {
    timeoutMs: 60_000,
    what: "rpowatch start to print the NOC page's URL",
  });
  expect(stdout).toMatch(/scheduled report: health "0 6 1 1 \*" UTC, next \d{4}-01-01T06:00:00\.000Z\n/);

  const logs = () =>
    stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string; err?: string; period?: string });
  const failure = await waitFor(
    () => logs().find((l) => l.msg === "scheduled report failed: it runs again at the next start"),
    { timeoutMs: 60_000, what: "the caught-up run to fail on an empty history" },
  );
  expect(logs().map((l) => l.msg)).toContain("scheduled report missed while the stack was down: running it now");
  expect(failure.err).toMatch(/^history holds no samples on \d{4}-12-31: nothing to report$/);

  const metrics = await (await fetch(`${exporter}/metrics`)).text();
  expect(metrics).toContain('rpowatch_report_runs_total{report="health",result="failed"} 1');
  expect(metrics).toContain('rpowatch_report_runs_total{report="health",result="succeeded"} 0');
  expect(child.exitCode).toBeNull();
  const record = JSON.parse(await readFile(join(data, "report-schedule.json"), "utf8"));
  expect(record.schedules["health:*:reports"]).toEqual({ firstSeen });

  child.kill("SIGINT");
  await waitFor(() => child?.exitCode !== null, { timeoutMs: 30_000, what: "rpowatch start to stop" });
  expect(child.exitCode).toBe(0);
});
