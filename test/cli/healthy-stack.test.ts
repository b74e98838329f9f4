/**
 * The embedded stack's defaults are true of themselves: run as `npm start` runs it (sizes and
 * intervals scaled down: a 20 s window instead of 5 min, every detection delay (`for`) 30 s instead
 * of its own; a grace period such as DrTestOverdue's hour stays), the journal wraps — history ages
 * out of the window — and the built-in evaluator raises no alert on the healthy stack at any time.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { packagePath } from "../../lib/package-root.ts";
import { waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

const BIN = packagePath("bin/rpowatch.js");
const WINDOW_SECONDS = 20;
const ALERT_FOR_SECONDS = 30;

/** Values of `name` whose labels include every `labels` pair, summed. */
function sum(text: string, name: string, labels: Record<string, string>): number | undefined {
  let total: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      total = (total ?? 0) + Number(line.split(" ").pop());
  }
  return total;
}

describe("the embedded stack on its defaults", () => {
  let child: ChildProcess | undefined;
  let dir = "";
  afterAll(async () => {
    child?.kill("SIGKILL");
    if (dir) await removeTempDir(dir);
  });

  it("wraps its journal without raising a single alert", async () => {
    dir = await makeTempDir("healthy-stack");
    const config = join(dir, "stack.yaml");
    await writeFile(
      config,
      [
        `dataDir: ${join(dir, "data")}`,
        'exporter: { listen: "127.0.0.1:0" }',
        "collector: { rateWindow: 5s }",
        `embedded: { groups: 1, volumeSize: 16MiB, window: ${WINDOW_SECONDS}s, alertFor: ${ALERT_FOR_SECONDS}s }`,
        "alerts: { evaluator: { interval: 1s } }",
        "",
      ].join("\n"),
    );
    child = spawn(process.execPath, [BIN, "--log-level", "warn", "start", "--config", config], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    const exporter = await waitFor(() => /NOC page: (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(stdout)?.[1], {
      timeoutMs: 90_000,
      what: "rpowatch start to print the NOC page's URL",
    });

    const fired = new Set<string>();
    const watchAlerts = async () => {
      const { alerts } = (await (await fetch(`${exporter}/api/alerts`)).json()) as {
        alerts: Array<{ labels: Record<string, string>; annotations: Record<string, string> }>;
      };
      for (const { labels, annotations } of alerts)
        fired.add(`${labels.alertname} at ${labels.site}/${labels.group}: ${annotations.summary}`);
    };
    const metrics = () => fetch(`${exporter}/metrics`).then((r) => r.text());

    // The journal wraps: history leaves it by age (the window), never for room (space).
    let wrappedAt = 0;
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline) {
      await watchAlerts();
      const text = await metrics();
      if (!wrappedAt && (sum(text, "rpowatch_journal_trimmed_bytes_total", { reason: "time" }) ?? 0) > 0)
        wrappedAt = Date.now();
      // Past the wrap by more than any alert's `for`: a condition that holds would have fired by now.
      if (wrappedAt && Date.now() - wrappedAt > (ALERT_FOR_SECONDS + 10) * 1000) break;
      await sleep(2000);
    }
    expect(wrappedAt, "the journal trimmed history by age within 4 minutes").toBeGreaterThan(0);
    const text = await metrics();
    expect(sum(text, "rpowatch_journal_trimmed_bytes_total", { reason: "space" }) ?? 0).toBe(0);
    expect(sum(text, "rpowatch_journal_protection_window_ratio", { group: "g1" })).toBeGreaterThanOrEqual(0.85);
    expect([...fired]).toEqual([]);

    child.kill("SIGINT");
  });
});
