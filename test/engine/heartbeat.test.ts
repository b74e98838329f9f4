/**
 * Heartbeats tell an idle link from a stalled one. With no writes, contact stays fresh and the
 * recovery point follows the heartbeats. When the peer goes silent (proxy paused, connection kept),
 * the contact ages, the recovery point stops, and after 5 missed heartbeats the link drops.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SiteStatus } from "../../replication/status.ts";
import { EnginePair } from "./harness.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The default heartbeat interval (docs/engine.md). */
const HEARTBEAT_SECONDS = 1;

const contactAge = (s: SiteStatus) => s.timestamp - s.links[0]!.lastContactTimestamp;

describe("idle versus stalled link", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "8MiB", proxy: true });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("keeps an idle link fresh: contact within two heartbeats, recovery point advancing, RPO 0", async () => {
    const samples: SiteStatus[] = [];
    for (let i = 0; i < 6; i++) {
      samples.push(await pair.status("production"));
      await sleep(500);
    }
    for (const s of samples) {
      expect(s.links[0]!.state).toBe("up");
      expect(contactAge(s)).toBeLessThan(2 * HEARTBEAT_SECONDS);
      expect(s.groups[0]!.rpoSeconds).toBe(0);
    }
    const points = samples.map((s) => s.groups[0]!.recoveryPointTimestamp);
    expect(points.at(-1)! - points[0]!).toBeGreaterThanOrEqual(HEARTBEAT_SECONDS);
    const recovery = await pair.status("recovery");
    expect(contactAge(recovery)).toBeLessThan(2 * HEARTBEAT_SECONDS);
  });

  it("shows a stalled link ageing while still connected, then drops and recovers it", async () => {
    pair.proxy!.pause();
    await sleep(3500);
    const stalled = await pair.status("production");
    expect(stalled.links[0]!.state).toBe("up");
    expect(contactAge(stalled)).toBeGreaterThan(2.5 * HEARTBEAT_SECONDS);
    const pointWhileStalled = stalled.groups[0]!.recoveryPointTimestamp;
    expect(stalled.timestamp - pointWhileStalled).toBeGreaterThan(2.5 * HEARTBEAT_SECONDS);

    await expect
      .poll(async () => (await pair.status("production")).links[0]!.state, { timeout: 15_000 })
      .not.toBe("up");
    pair.proxy!.resume();
    await expect.poll(async () => (await pair.status("production")).links[0]!.state, { timeout: 30_000 }).toBe("up");
    await expect
      .poll(async () => contactAge(await pair.status("production")), { timeout: 5_000 })
      .toBeLessThan(2 * HEARTBEAT_SECONDS);
    expect((await pair.group("production")).recoveryPointTimestamp).toBeGreaterThan(pointWhileStalled);
  });
});
