/**
 * The link's token bucket: a limit set at run time through the API is honoured within ±10% over
 * a 30 s window while a backlog of incompressible data waits, and lifting it drains the backlog.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SiteStatus } from "../../replication/status.ts";
import { EnginePair, fio } from "./harness.ts";

const LIMIT = 1024 * 1024;
const WINDOW_MS = 30_000;

describe("link bandwidth limit", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "48MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("ships at the configured rate while a backlog waits", async () => {
    const res = await pair.api("production", "PUT", "/link/limit", { bytesPerSecond: LIMIT });
    expect(await res.json()).toEqual({ limitBytesPerSecond: LIMIT });
    await fio([
      "--name=backlog",
      "--ioengine=nbd",
      `--uri=${pair.nbdUri}`,
      "--rw=write",
      "--bs=1M",
      "--size=40M",
      "--refill_buffers",
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    const wire = (s: SiteStatus) => s.links[0]!.wireBytesTotal;
    const start = await pair.status("production");
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const end = await pair.status("production");
    const rate = (wire(end) - wire(start)) / ((performance.now() - t0) / 1000);
    expect(end.links[0]!.limitBytesPerSecond).toBe(LIMIT);
    expect(end.groups[0]!.backlog.productionBytes, "backlog must outlast the window").toBeGreaterThan(0);
    expect(rate).toBeGreaterThan(LIMIT * 0.9);
    expect(rate).toBeLessThan(LIMIT * 1.1);

    await pair.api("production", "PUT", "/link/limit", { bytesPerSecond: null });
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
  });
});
