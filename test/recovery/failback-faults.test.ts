/**
 * Failback faults with real engine processes and qemu-io, beside the kill -9 of the site failing
 * back (reprotect.test.ts): a kill -9 of the site the group fails back to, during the drain and
 * between its promotion and its reprotect; and the failing-back site reopening its sides during a
 * drain (another group's failback ending), which the drain follows instead of stalling on the
 * closed group. Each ends with every acknowledged write read back at prod-a and the images
 * byte-identical at a common sequence point.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILOVER_FILE } from "../../replication/failover/failover-record.ts";
import { readReversal } from "../../replication/reprotect/reversal-record.ts";
import type { GroupFailbackStatus } from "../../replication/status.ts";
import type { EnginePair } from "../engine/harness.ts";
import { qemuIo } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";
import { failbackAtRecB, failedBack, reprotectedPair, tryWrite, writes64k } from "./reprotected-pair.ts";

/**
 * Watches the group's failback at rec-b from its request on (every 20 ms, through the kills and
 * restarts), keeping each phase and error it showed: a failback that failed or stopped on the way,
 * even for a moment, is in them.
 */
function watchFailback(pair: EnginePair, group: string) {
  const seen = new Map<string, string | undefined>();
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const f = await failbackAtRecB(pair, group).catch(() => undefined);
      if (f && !seen.has(f.phase)) seen.set(f.phase, f.error);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    /** Waits until the failback ended (both sites in their configured directions); the phases seen. */
    async ended(what: string): Promise<string[]> {
      try {
        await waitFor(async () => (await failedBack(pair, group)) || null, { timeoutMs: 90_000, what });
      } finally {
        watching = false;
        await loop;
      }
      return [...seen].map(([phase, error]) => (error ? `${phase}: ${error}` : phase));
    },
  };
}

/** The phases (with their errors) other than those of a failback going its way. */
const unexpected = (phases: string[]) => phases.filter((p) => p !== "draining" && p !== "handing-over");

describe("failback: a kill -9 of the site failed back to, during the drain", () => {
  let pair: EnginePair;
  let uris: Record<string, string>;

  beforeAll(async () => {
    ({ pair, uris } = await reprotectedPair());
  }, 180_000);

  afterAll(async () => {
    await pair?.close();
  });

  it("goes on draining once prod-a is back, hands the group over, and loses no acknowledged write", async () => {
    // Shipping paused while writing, so the whole 8 MiB is left when the failback starts.
    expect((await pair.api("recovery", "POST", "/groups/g1/pause")).status).toBe(200);
    await qemuIo(uris.g1!, writes64k(0xd1, 8));
    expect((await pair.api("recovery", "POST", "/groups/g1/failback", {})).status).toBe(202);
    const watch = watchFailback(pair, "g1");
    expect((await pair.api("recovery", "POST", "/groups/g1/resume")).status).toBe(200);
    await waitFor(
      async () => {
        const f = await failbackAtRecB(pair);
        return f?.phase === "draining" && f.progressRatio >= 0.2 && f.progressRatio < 0.8 ? f : null;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: "failback drain past 20%" },
    );

    await pair.kill9("production");
    // prod-a down: rec-b waits for the link, still draining and refusing writes.
    await waitFor(async () => ((await pair.status("recovery")).links[0]?.state !== "up" ? true : null), {
      timeoutMs: 15_000,
      what: "rec-b's link to prod-a down",
    });
    expect((await failbackAtRecB(pair))?.phase).toBe("draining");
    expect(await tryWrite(uris.g1!)).toMatch(/Operation not permitted/);

    await pair.start("production");
    expect(unexpected(await watch.ended("g1 failed back after prod-a's restart"))).toEqual([]);
    await qemuIo(pair.nbdUri, [
      "read -P 0xc1 0 64k",
      "read -P 0xaa 64k 8128k",
      "read -P 0xd1 8M 8M",
      "read -P 0xaa 16M 16M",
    ]);
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
  });
});

describe("failback: a kill -9 of the site failed back to, after its failover and before its reprotect", () => {
  let pair: EnginePair;
  let uris: Record<string, string>;

  beforeAll(async () => {
    ({ pair, uris } = await reprotectedPair());
  }, 180_000);

  afterAll(async () => {
    await pair?.close();
  });

  it("finishes the failover and the reprotect at prod-a's restart; rec-b learns it took the group", async () => {
    await qemuIo(uris.g1!, ["write -P 0xd2 4M 1M", "write -P 0xd3 20M 64k"]);
    const groupDir = join(pair.dir, "prod", "groups", "g1");
    expect((await pair.api("recovery", "POST", "/groups/g1/failback", {})).status).toBe(202);
    const watch = watchFailback(pair, "g1");
    // Killed as soon as prod-a recorded its failover (the hand-over); its reprotect comes later.
    await waitFor(() => existsSync(join(groupDir, FAILOVER_FILE)) || null, {
      timeoutMs: 60_000,
      intervalMs: 1,
      what: "prod-a's failover record written",
    });
    await pair.kill9("production");
    expect(readReversal(groupDir)?.direction, "the kill came after prod-a's reprotect: nothing was cut").toBe(
      "recovery",
    );
    // prod-a down: rec-b refuses writes, whether it heard of the failover (fenced) or waits to ask again.
    expect(await tryWrite(uris.g1!)).toMatch(/Operation not permitted/);
    const atKill = (await failbackAtRecB(pair))?.phase ?? "fenced";
    console.log(`rec-b's g1 while prod-a is down: ${atKill}`);
    expect(atKill).toMatch(/^(handing-over|fenced)$/);

    await pair.start("production");
    expect(unexpected(await watch.ended("g1 failed back after prod-a's restart"))).toEqual([]);
    await qemuIo(pair.nbdUri, [
      "read -P 0xc1 0 64k",
      "read -P 0xaa 64k 4032k",
      "read -P 0xd2 4M 1M",
      "read -P 0xaa 5M 15M",
      "read -P 0xd3 20M 64k",
    ]);
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
  });
});

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
    const watch = watchFailback(pair, "g1");

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
    expect(unexpected(await watch.ended("g1 failed back after rec-b reopened"))).toEqual([]);

    const prodNbd = `nbd://127.0.0.1:${pair.ports.nbd}`;
    await qemuIo(`${prodNbd}/vol1`, ["read -P 0xc1 0 64k", "read -P 0xaa 64k 8128k", "read -P 0xd1 8M 8M"]);
    await qemuIo(`${prodNbd}/vol2`, ["read -P 0xc1 0 64k", "read -P 0xaa 64k 32704k"]);
    for (const g of ["g1", "g2"]) {
      await pair.caughtUp(60_000, "configured", g);
      expect(pair.imagesIdentical(g), g).toBe(true);
    }
  });
});
