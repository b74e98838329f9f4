/**
 * Failback faults with real engine processes and qemu-io, beside the kill -9 of the site failing
 * back (reprotect.test.ts): a kill -9 of the site the group fails back to, during the drain and
 * between its promotion and its reprotect; and the failing-back site reopening its sides during a
 * drain (another group's failback ending), which the drain follows instead of stalling on the
 * closed group. Each ends with every acknowledged write read back at prod-a and the images
 * byte-identical at a common sequence point.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GroupFailbackStatus } from "../../replication/status.ts";
import type { EnginePair } from "../engine/harness.ts";
import { qemuIo } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";
import { failbackAtRecB, failedBack, reprotectedPair, tryWrite, writes64k } from "./reprotected-pair.ts";

/**
 * Polls the group's failback at rec-b until it ended (both sites in their configured directions),
 * keeping every phase it went through: a failback that failed or stopped on the way shows it.
 */
async function followFailback(pair: EnginePair, group: string, what: string): Promise<Set<string>> {
  const phases = new Set<string>();
  await waitFor(
    async () => {
      const f = await failbackAtRecB(pair, group).catch(() => undefined);
      if (f) phases.add(f.phase);
      if (f?.phase === "failed" || f?.phase === "stopped") throw new Error(`failback ${f.phase}: ${f.error}`);
      return (await failedBack(pair, group)) || null;
    },
    { timeoutMs: 90_000, intervalMs: 50, what },
  );
  return phases;
}

describe("failback of two groups: the failing-back site reopens its sides during a drain", () => {
  let pair: EnginePair;
  let uris: Record<string, string>;

  beforeAll(async () => {
    ({ pair, uris } = await reprotectedPair({ secondGroup: true }));
  }, 240_000);

  afterAll(async () => {
    await pair?.close();
  });

  it("goes on draining the first group after the second one's hand-over reopened rec-b, and ends byte-identical", async () => {
    // g1's 8 MiB wait while it is paused, so its drain is still on when rec-b reopens.
    expect((await pair.api("recovery", "POST", "/groups/g1/pause")).status).toBe(200);
    await qemuIo(uris.g1!, writes64k(0xd1, 8));
    const res = await pair.api("recovery", "POST", "/groups/g1/failback", {});
    expect(res.status).toBe(202);
    expect(((await res.json()) as GroupFailbackStatus).phase).toBe("draining");

    // g2 fails back: prod-a takes it and connects to rec-b to replicate it, which reopens rec-b's
    // sides (g2 becomes a recovery group there) under g1's drain.
    // g2 a recovery group at rec-b again means rec-b reopened its sides: nothing else turns it.
    expect((await pair.api("recovery", "POST", "/groups/g2/failback", {})).status).toBe(202);
    await waitFor(async () => (await failedBack(pair, "g2")) || null, {
      timeoutMs: 60_000,
      what: "g2 failed back",
    });
    // The reopened side serves g1 again (on a new port: rec-b has no nbd.listen), refusing writes.
    await waitFor(
      async () => {
        uris.g1 = (await pair.group("recovery", "g1")).reprotect!.volumes![0]!.uri;
        return /Operation not permitted/.test(await tryWrite(uris.g1)) || null;
      },
      { timeoutMs: 30_000, what: "g1 served again at rec-b, refusing writes" },
    );
    expect((await failbackAtRecB(pair, "g1"))?.phase).toBe("draining");

    // g1 ships again: its drain follows it on the reopened side and hands the group over.
    expect((await pair.api("recovery", "POST", "/groups/g1/resume")).status).toBe(200);
    const phases = await followFailback(pair, "g1", "g1 failed back after rec-b reopened");
    expect([...phases].every((p) => p === "draining" || p === "handing-over")).toBe(true);

    const prodNbd = `nbd://127.0.0.1:${pair.ports.nbd}`;
    await qemuIo(`${prodNbd}/vol1`, ["read -P 0xc1 0 64k", "read -P 0xaa 64k 8128k", "read -P 0xd1 8M 8M"]);
    await qemuIo(`${prodNbd}/vol2`, ["read -P 0xc1 0 64k", "read -P 0xaa 64k 32704k"]);
    for (const g of ["g1", "g2"]) {
      await pair.caughtUp(60_000, "configured", g);
      expect(pair.imagesIdentical(g), g).toBe(true);
    }
  });
});
