/**
 * A volume resized at one site only: the production site finds out when the link comes up, holds
 * shipping for the group in state `error` with the reason (instead of having every write past the
 * smaller size refused and resent), keeps capturing, and resumes once the other site matches.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnginePair, qemuIo } from "./harness.ts";

const resize = (file: string, from: string, to: string) =>
  writeFileSync(file, readFileSync(file, "utf8").replace(`size: ${from}`, `size: ${to}`));

describe("volume sizes that differ between the sites", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "16MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("holds the group in error with the reason, then resumes when the recovery site is resized too", async () => {
    await pair.proc.production!.stop();
    resize(pair.configs.production, "16MiB", "32MiB");
    await pair.start("production");
    await expect.poll(async () => (await pair.group("production")).state, { timeout: 15_000 }).toBe("error");
    const held = await pair.group("production");
    expect(held.fault).toBe(
      "volume vol1 is 33554432 bytes here, 16777216 at the recovery site: shipping held until they match",
    );

    await qemuIo(pair.nbdUri, ["write -P 0x42 20M 1M", "flush"]);
    await new Promise((r) => setTimeout(r, 2000));
    const production = await pair.status("production");
    // Captured and at risk, but nothing refused and resent: the link stayed up the whole time.
    expect(production.groups[0]!.rpoSeconds).toBeGreaterThan(1);
    expect(production.groups[0]!.durableSeq).toBeLessThan(production.groups[0]!.headSeq);
    expect(production.links[0]).toMatchObject({ state: "up", reconnectsTotal: 0 });

    await pair.proc.recovery!.stop();
    resize(pair.configs.recovery, "16MiB", "32MiB");
    await pair.start("recovery");
    const g = await pair.caughtUp(30_000);
    expect(g.fault).toBeNull();
    expect(pair.imagesIdentical()).toBe(true);
  });
});
