/**
 * A replica image that disappears while the recovery site is down (deleted, a lost mount) is not
 * silently recreated empty: the group reports a resync, the production site copies the blocks
 * back, and the images converge, writes made meanwhile included.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnginePair, qemuIo } from "./harness.ts";

describe("a lost replica image", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "16MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("is resynced from the production site instead of being served empty", async () => {
    await qemuIo(pair.nbdUri, ["write -P 0x41 0 4M", "flush"]);
    await pair.caughtUp();
    await pair.proc.recovery!.stop();
    rmSync(pair.image("recovery"));
    await pair.start("recovery");
    expect(pair.logs()).toContain("replica image missing, created empty; history discarded, resync required");
    expect((await pair.group("recovery")).resyncRequired).toBe(true);

    await qemuIo(pair.nbdUri, ["write -P 0x42 8M 1M", "flush"]);
    await pair.caughtUp(60_000);
    expect(pair.imagesIdentical()).toBe(true);
  });
});
