import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../history/embedded-store.ts";
import { runToolOk } from "../../replication/nbd/test-support.ts";
import { waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

const BIN = new URL("../../bin/rpowatch.js", import.meta.url).pathname;

/** The value of the first series of `name` whose labels include every `labels` pair. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(" ").pop());
  }
  return undefined;
}

describe("rpowatch start (the whole stack on embedded defaults)", () => {
  let child: ChildProcess | undefined;
  let dir = "";
  afterAll(async () => {
    child?.kill("SIGKILL");
    if (dir) await removeTempDir(dir);
  });

  it("replicates the workload's writes, exports measured RPO and change rate, and stops cleanly on SIGINT", async () => {
    dir = await makeTempDir("start");
    const config = join(dir, "stack.yaml");
    await writeFile(
      config,
      `dataDir: ${join(dir, "data")}\nexporter: { listen: "127.0.0.1:0" }\ncollector: { rateWindow: 5s }\nembedded: { groups: 1, volumesPerGroup: 2, volumeSize: 16MiB, rate: 128KiB }\n`,
    );
    child = spawn(process.execPath, [BIN, "--log-level", "warn", "start", "--config", config], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));

    // Port 0: the exporter binds a free port, and the stack prints where it serves.
    const exporter = await waitFor(() => /NOC page: (http:\/\/127\.0\.0\.1:\d+)\/\n/.exec(stdout)?.[1], {
      timeoutMs: 90_000,
      what: "rpowatch start to print the exporter's URL",
    });
    const url = `${exporter}/metrics`;
    const metrics = await waitFor(
      async () => {
        const text = await fetch(url).then(
          (r) => r.text(),
          () => "",
        );
        const rate = sample(text, "rpowatch_group_change_rate_bytes_per_second", { site: "prod", group: "g1" });
        const window = sample(text, "rpowatch_journal_protection_window_seconds", { site: "dr", group: "g1" });
        // The initial sync of a fresh group runs first; "active" is differential replication.
        const active = sample(text, "rpowatch_group_state", { site: "prod", group: "g1", state: "active" });
        return rate && rate > 0 && window !== undefined && window > 0 && active === 1 ? text : undefined;
      },
      { timeoutMs: 90_000, what: "the stack to reach state active and export a change rate and a journal window" },
    );
    expect(stdout).toMatch(/engine site prod \(production\)/);
    expect(stdout).toMatch(/engine site dr \(recovery\)/);
    expect(stdout).toContain(`metrics: ${url}\n`);
    expect((await fetch(`${exporter}/`)).headers.get("content-type")).toMatch(/text\/html/);
    // Each volume's address, as printed, is one an NBD client opens.
    const volumes = [...stdout.matchAll(/^volume (\S+): (nbd:\/\/127\.0\.0\.1:\d+\/\S+)$/gm)];
    expect(volumes.map((m) => m[1])).toEqual(["g1-v1", "g1-v2"]);
    for (const [, volume, address] of volumes) {
      expect(address).toMatch(new RegExp(`/${volume}$`));
      expect(await runToolOk("qemu-io", ["-r", "-f", "raw", "-c", "read 0 4k", address!])).toMatch(
        /read 4096\/4096 bytes/,
      );
    }
    // Two volumes at 128 KiB/s each: the measured group change rate is in that neighbourhood.
    const rate = sample(metrics, "rpowatch_group_change_rate_bytes_per_second", { site: "prod", group: "g1" })!;
    expect(rate).toBeGreaterThan(64 * 1024);
    expect(rate).toBeLessThan(1024 * 1024);
    expect(sample(metrics, "rpowatch_link_up", { site: "prod" })).toBe(1);
    expect(sample(metrics, "rpowatch_group_rpo_seconds", { site: "prod", group: "g1" })).toBeLessThan(60);

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopped\n$/);

    // History is recorded with no history configuration: the group's RPO is in the embedded store.
    expect(stdout).toContain(`history: ${join(dir, "data", "history.duckdb")}`);
    const history = await EmbeddedStore.open(join(dir, "data", "history.duckdb"), { readOnly: true });
    const now = Date.now() / 1000;
    const [rpo] = await history.range({
      metric: "rpowatch_group_rpo_seconds",
      match: { site: "prod", group: "g1" },
      from: now - 3600,
      to: now,
      stepSeconds: 1,
      aggregate: "max",
    });
    await history.close();
    expect(rpo!.values.length).toBeGreaterThan(0);
  });
});
