/**
 * An operator's pause holds shipping until resumed, and survives a kill -9 and restart of the
 * production site: writes keep being captured (RPO grows), nothing reaches the recovery site.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnginePair, qemuIo } from "./harness.ts";

describe("pausing a group", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "8MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("holds shipping through a restart of the production site until resumed", async () => {
    expect((await pair.api("production", "POST", "/groups/g1/pause")).status).toBe(200);
    await qemuIo(pair.nbdUri, ["write -P 0x3c 64k 128k"]);
    const paused = await pair.group("production");
    expect(paused.state).toBe("paused");
    expect(paused.durableSeq).toBeLessThan(paused.headSeq);

    await pair.kill9("production");
    await pair.start("production");
    await new Promise((resolve) => setTimeout(resolve, 1500)); // time enough for the link to come up and ship
    const restarted = await pair.group("production");
    expect(restarted.state).toBe("paused");
    expect(restarted.rpoSeconds).toBeGreaterThan(1);
    expect((await pair.group("recovery")).durableSeq).toBe(paused.durableSeq);
    expect((await pair.status("production")).links[0]!.state).toBe("up");

    expect((await pair.api("production", "POST", "/groups/g1/resume")).status).toBe(200);
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
  });
});
