/**
 * How the recovery site refuses a bookmark tells the production site whether to retry: one older
 * than the journal's window can never be stored (`final`, the production site drops it), one not
 * durable yet may be later (retried after a pause, not on every wake of the shipper).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnginePair } from "./harness.ts";
import { ManualPeer } from "./manual-peer.ts";

describe("bookmark refusals", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.recoveryOnly({ volumeSize: "1MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("marks a bookmark older than the window final, and one beyond the durable seq retryable", async () => {
    const { peer } = await ManualPeer.authenticated(pair.ports.link);
    // A resync ending at seq 10 starts the window there.
    expect((await peer.request({ op: "resync-begin", group: "g1", kind: "full" })).error).toBeUndefined();
    expect((await peer.request({ op: "resync-end", group: "g1", atSeq: 10, timestamp: 1 })).error).toBeUndefined();

    const old = await peer.request({ op: "bookmark", group: "g1", bookmark: { name: "old", seq: 5, timestamp: 1 } });
    expect(old.error).toMatch(/outside the recoverable window/);
    expect(old.final).toBe(true);

    const early = await peer.request({
      op: "bookmark",
      group: "g1",
      bookmark: { name: "early", seq: 11, timestamp: 2 },
    });
    expect(early.error).toMatch(/not durable/);
    expect(early.final).toBeUndefined();

    const ok = await peer.request({ op: "bookmark", group: "g1", bookmark: { name: "at-10", seq: 10, timestamp: 1 } });
    expect(ok.error).toBeUndefined();
    peer.close();
    await expect.poll(async () => (await pair.group("recovery")).lastBookmark?.name).toBe("at-10");
  });
});
