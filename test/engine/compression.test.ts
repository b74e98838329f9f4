/**
 * Compression per group: a group's `compression` overrides the link's, in both directions. The
 * link's counters show it: bytes on the wire against record bytes before compression.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { SiteStatus } from "../../replication/status.ts";
import { EnginePair, qemuIo } from "./harness.ts";

const link = (s: SiteStatus) => s.links[0]!;

/** Wire and raw bytes the production site sends for 8 MiB of repeating-pattern writes. */
async function shipPattern(pair: EnginePair) {
  const before = link(await pair.status("production"));
  await qemuIo(pair.nbdUri, ["write -P 0x5a 0 4M", "write -P 0xa5 4M 4M", "flush"]);
  await pair.caughtUp();
  expect(pair.imagesIdentical()).toBe(true);
  const after = link(await pair.status("production"));
  return { wire: after.wireBytesTotal - before.wireBytesTotal, raw: after.rawBytesTotal - before.rawBytesTotal };
}

describe("compression chosen per group", () => {
  let pair: EnginePair | undefined;

  afterEach(async () => {
    await pair?.close();
    pair = undefined;
  });

  it("compresses a zstd group on a link whose default is off", async () => {
    pair = await EnginePair.running({ productionLink: ["compression: off"], groupSettings: ["compression: zstd"] });
    const { wire, raw } = await shipPattern(pair);
    expect(raw).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(wire).toBeLessThan(raw / 20);
  });

  it("sends an `off` group raw on a link whose default compresses", async () => {
    pair = await EnginePair.running({ productionLink: ["compression: zstd"], groupSettings: ["compression: off"] });
    const { wire, raw } = await shipPattern(pair);
    expect(raw).toBeGreaterThanOrEqual(8 * 1024 * 1024);
    expect(wire).toBeGreaterThanOrEqual(raw);
  });
});
