/**
 * The "done when", end to end: `rpowatch start` records history with no history
 * configuration, and `rpowatch report capacity` for the current month produces its four files
 * while the stack still runs and holds the store file (read through the stack's history routes).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CapacityReport } from "../../reports/capacity-report.ts";
import { waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

const BIN = new URL("../../bin/rpowatch.js", import.meta.url).pathname;
const run = promisify(execFile);
const report = (...args: string[]) =>
  run(process.execPath, [BIN, "report", ...args], { encoding: "utf8" }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe("a capacity report from a running rpowatch start", () => {
  let child: ChildProcess | undefined;
  let dir = "";
  let exporter = "";
  let store = "";
  const month = new Date().toISOString().slice(0, 7);

  beforeAll(async () => {
    dir = await makeTempDir("report-stack");
    store = join(dir, "data", "history.duckdb");
    const config = join(dir, "stack.yaml");
    await writeFile(
      config,
      `dataDir: ${join(dir, "data")}\nexporter: { listen: "127.0.0.1:0" }\ncollector: { rateWindow: 5s }\nembedded: { groups: 1, volumesPerGroup: 2, volumeSize: 16MiB, rate: 128KiB }\n`,
    );
    child = spawn(process.execPath, [BIN, "--log-level", "warn", "start", "--config", config], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    exporter = await waitFor(() => /NOC page: (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(stdout)?.[1], {
      timeoutMs: 90_000,
      what: "rpowatch start to print the exporter's URL",
    });
    // Recording until three whole minutes of a volume's write counter are stored: a counter's first
    // measured minute is only its baseline, so the change of two minutes is then known.
    await waitFor(
      async () => {
        const to = Math.floor(Date.now() / 60_000) * 60;
        const query = new URLSearchParams({
          metric: "rpowatch_volume_written_bytes_total",
          match: JSON.stringify({ site: "prod", volume: "g1-v1" }),
          from: String(to - 3600),
          to: String(to),
          step: "60",
          aggregate: "last",
        });
        const body = await fetch(`${exporter}/api/history/range?${query}`).then((r) => r.json());
        const [series] = (body as { series: Array<{ values: number[] }> }).series;
        return (series?.values.length ?? 0) >= 3 || undefined;
      },
      { timeoutMs: 240_000, intervalMs: 2000, what: "three whole minutes of history" },
    );
  }, 360_000);
  afterAll(async () => {
    child?.kill("SIGKILL");
    if (dir) await removeTempDir(dir);
  });

  it("names both ways out when the store is held and no stack answers at the default address", async () => {
    const r = await report("capacity", "--month", month, "--store", store, "--out", join(dir, "refused"));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`history store ${store} cannot be opened`);
    expect(r.stderr).toMatch(/Stop the stack.*--stack URL/);
    expect(r.stdout).toBe("");
  });

  it("writes the four files through the stack, holding the recorded group's figures", async () => {
    const out = join(dir, "out");
    const r = await report("capacity", "--month", month, "--stack", exporter, "--out", out);
    expect(r.stderr).not.toMatch(/rpowatch report capacity:/);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`reading ${month} from the stack at ${exporter} (store ${store})`);
    const base = join(out, `capacity-${month}`);
    expect(r.stdout.trim().split("\n")).toEqual([`${base}.json`, `${base}.csv`, `${base}.html`, `${base}.pdf`]);

    const data = JSON.parse(await readFile(`${base}.json`, "utf8")) as CapacityReport;
    const group = data.change.find((c) => c.level === "group" && c.site === "prod" && c.group === "g1");
    // Two volumes written at 128 KiB/s each for over a minute: several MB of change were measured.
    expect(group?.totalBytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(data.change.filter((c) => c.level === "volume").map((c) => c.volume)).toEqual(
      expect.arrayContaining(["g1-v1", "g1-v2"]),
    );
    const rpo = data.rpo.find((row) => row.site === "prod" && row.group === "g1");
    expect(rpo?.measuredMinutes).toBeGreaterThan(0);
    expect(rpo?.maxSeconds).toBeGreaterThanOrEqual(0);
    expect(data.coverage.coveredMinutes).toBeGreaterThan(0);

    const csv = await readFile(`${base}.csv`, "utf8");
    expect(csv).toContain(`change,group,default,prod,g1,,,totalBytes,${group?.totalBytes}`);
    const html = await readFile(`${base}.html`, "utf8");
    expect(html).toContain("g1-v1");
    expect((await readFile(`${base}.pdf`)).subarray(0, 5).toString()).toBe("%PDF-");
  });

  it("refuses a malformed history query, naming the parameter", async () => {
    const response = await fetch(`${exporter}/api/history/range?metric=rpowatch_group_rpo_seconds&aggregate=median`);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/aggregate must be one of min, mean, max, last/);
  });
});
