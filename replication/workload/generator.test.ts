/** The workload generator against our NBD server with file-backed exports. */
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/log.ts";
import { NbdServer } from "../nbd/server.ts";
import { startTestServer, type TestNbdServer } from "../nbd/test-support.ts";
import { type ExportWorkloadStats, WorkloadGenerator } from "./generator.ts";

const MiB = 1024 * 1024;
let t: TestNbdServer;
let restarted: NbdServer | undefined;

beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await restarted?.close();
  restarted = undefined;
  await t.stop();
});

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function generator(exports: string[]): WorkloadGenerator {
  return new WorkloadGenerator({
    host: t.host,
    port: t.port,
    exports,
    profile: "steady",
    profileOptions: { averageRate: 4 * MiB },
    queueDepth: 4,
    flushProbability: 0.2,
    seed: 1,
    logger: createLogger("silent"),
  });
}

const total = (stats: ExportWorkloadStats[]) => stats.reduce((sum, s) => sum + s.bytesWritten, 0);

describe("WorkloadGenerator", () => {
  it("writes aligned 4-64 KiB blocks with flushes, and reconnects after a server restart", async () => {
    const a = await t.addFileExport("a", 4 * MiB);
    const b = await t.addFileExport("b", 4 * MiB);
    const workload = generator(["a", "b"]);
    await workload.start();
    await waitFor("writes on both exports", () =>
      workload.snapshot().every((s) => s.writeOps >= 10 && s.flushOps >= 1),
    );

    const firstServer = t.server.counters();
    await t.server.close();
    await waitFor("both connections to drop", () => workload.snapshot().every((s) => !s.connected));
    restarted = new NbdServer({
      lookup: (name) => t.backends.get(name),
      list: () => [...t.backends.keys()],
      logger: createLogger("silent"),
    });
    await restarted.listen(t.host, t.port);
    const before = workload.snapshot().map((s) => s.writeOps);
    await waitFor("writes after reconnecting", () =>
      workload.snapshot().every((s, i) => s.reconnects >= 1 && s.writeOps > before[i]! + 5),
    );
    await workload.stop();

    const stats = workload.snapshot();
    expect(stats.every((s) => !s.connected)).toBe(true);
    // Every write the generator counts was acknowledged by one of the two server instances.
    const served = t.server.counters().bytesWritten + restarted.counters().bytesWritten;
    expect(served).toBeGreaterThanOrEqual(total(stats));
    await waitFor("the server to see both disconnects", () => restarted?.counters().connectionsActive === 0);
    for (const s of stats) expect(s.bytesWritten).toBeGreaterThanOrEqual(s.writeOps * 4096);
    for (const s of stats) expect(s.bytesWritten).toBeLessThanOrEqual(s.writeOps * 64 * 1024);
    expect(firstServer.bytesWritten).toBeGreaterThan(0);
    for (const image of [await readFile(a.path), await readFile(b.path)]) {
      expect(image.some((byte) => byte !== 0)).toBe(true);
    }
  });

  it("fails to start when an export does not exist", async () => {
    await t.addFileExport("a", MiB);
    await expect(generator(["a", "missing"]).start()).rejects.toThrow(/ERR_UNKNOWN/);
  });
});
