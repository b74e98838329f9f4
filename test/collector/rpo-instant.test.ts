/**
 * Current at the instant of reading: the exported RPO is the engine's own figure brought to the
 * scrape instant, not the figure of the last snapshot (which is up to a stream interval old).
 * Compared with the production site's /status fetched at the same moment.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { metrics } from "../../model/metrics.ts";
import { NbdClient } from "../../replication/nbd/client.ts";
import type { SiteStatus } from "../../replication/status.ts";
import { waitFor } from "../support/process.ts";
import { type EnginePair, startEnginePair } from "./support/engine-pair.ts";
import { type Rig, scrape, startRig } from "./support/exporter-rig.ts";

let pair: EnginePair;
let rig: Rig;

beforeAll(async () => {
  pair = await startEnginePair();
  rig = await startRig([{ name: "paris", url: pair.production.url }]);
  await waitFor(() => rig.collector.current().links.some((l) => l.derived.state === "up"), {
    timeoutMs: 30_000,
    what: "the production site's link up",
  });
});

afterAll(async () => {
  if (pair && pair.recovery.process.exitStatus() === undefined) process.kill(pair.recovery.process.pid, "SIGCONT");
  await rig?.stop();
  await pair?.stop();
});

const groupRpoLine = new RegExp(`^${metrics.groupRpo.name}\\{[^}]*source="paris"\\} (\\S+)$`, "m");

it("exported group RPO agrees with the engine's figure at the same instant within 0.1 s", async () => {
  // A frozen recovery site acknowledges nothing: the write stays pending and the RPO grows.
  process.kill(pair.recovery.process.pid, "SIGSTOP");
  const nbd = await NbdClient.connect({ host: "127.0.0.1", port: pair.production.nbdPort, exportName: "data" });
  await nbd.write(0, Buffer.alloc(4096, 9));
  await nbd.flush();
  await nbd.disconnect();
  const status = async () => (await (await fetch(`${pair.production.url}/status`)).json()) as SiteStatus;
  // A write that became pending after the last snapshot is known from the next one (≤ 1 s later).
  await waitFor(() => (rig.collector.current().groups[0]?.derived.rpoSeconds ?? 0) > 0, {
    timeoutMs: 10_000,
    what: "the pending write seen by the collector",
  });

  for (let round = 0; round < 6; round++) {
    const before = Date.now() / 1000;
    const [site, body] = await Promise.all([status(), scrape(rig).then((r) => r.body)]);
    const after = Date.now() / 1000;
    const exported = Number(groupRpoLine.exec(body)?.[1]);
    const engine = site.groups[0]!.rpoSeconds;
    // Both are "now − the oldest pending write's time"; the scrape was rendered at some instant
    // between `before` and `after`, the engine's figure at site.timestamp.
    const oldestByEngine = site.timestamp - engine;
    expect(oldestByEngine).toBeGreaterThanOrEqual(before - exported - 0.1);
    expect(oldestByEngine).toBeLessThanOrEqual(after - exported + 0.1);
    await new Promise((resolve) => setTimeout(resolve, 170 + round * 60));
  }
});
