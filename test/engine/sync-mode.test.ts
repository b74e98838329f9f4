/**
 * Sync mode: a client's write completes only once the recovery journal holds it durably, so a
 * stalled link (proxy paused, connection kept) holds writes back until the link recovers; the
 * production site notices the silent peer and reconnects.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnginePair, qemuIo } from "./harness.ts";

describe("sync replication mode over a stalled link", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "8MiB", proxy: true, mode: "sync" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("acknowledges a write only once it is durable at the recovery site", async () => {
    await qemuIo(pair.nbdUri, ["write -P 0x61 0 64k"]);
    const g = await pair.group("production");
    expect(g.durableSeq).toBe(g.headSeq);

    pair.proxy!.pause();
    let done = false;
    const write = qemuIo(pair.nbdUri, ["write -P 0x62 1M 64k"]).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 3000));
    expect(done, "a sync write completed while the link was stalled").toBe(false);
    expect((await pair.group("production")).rpoSeconds).toBeGreaterThan(1.5);
    // The peer stays silent: the production site gives up on the connection after 5 heartbeats.
    await expect
      .poll(async () => (await pair.status("production")).links[0]!.state, { timeout: 15_000 })
      .not.toBe("up");
    pair.proxy!.resume();
    await write;
    const after = await pair.caughtUp();
    expect(after.durableSeq).toBe(after.headSeq);
    expect(pair.imagesIdentical()).toBe(true);
  });
});
