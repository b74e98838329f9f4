/**
 * Failback faults with real engine processes and qemu-io, beside the kill -9 of the site failing
 * back during its drain (reprotect.test.ts): a kill -9 of the site the group fails back to during
 * the drain; of either site during the hand-over, once the site failed back to recorded its
 * failover and before its reprotect; and the failing-back site reopening its sides during a drain
 * (another group's failback ending), which the drain follows instead of stalling on the closed
 * group. Each failback is watched from its request on and must never show `failed` (nor `stopped`,
 * but at a restart of the site failing back); each ends by itself with every acknowledged write
 * read back at prod-a and the images byte-identical at a common sequence point.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FAILOVER_FILE } from "../../replication/failover/failover-record.ts";
import { readReversal } from "../../replication/reprotect/reversal-record.ts";
import type { GroupFailbackStatus } from "../../replication/status.ts";
import { type EnginePair, qemuIo } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";
import { failbackAtRecB, failedBack, reprotectedPairForTests, tryWrite, writes64k } from "./reprotected-pair.ts";

/**
 * Starts a failback of the group at rec-b and watches it from then on (every 20 ms, through kills
 * and restarts), keeping each phase it showed with its error: one that failed or stopped on the
 * way, even for a moment, is in them.
 */
async function failBack(pair: EnginePair, group: string) {
  const res = await pair.api("recovery", "POST", `/groups/${group}/failback`, {});
  expect(res.status).toBe(202);
  const first = (await res.json()) as GroupFailbackStatus;
  const seen = new Map([[first.phase, first.error]]);
  let watching = true;
  const loop = (async () => {
    while (watching) {
      const f = await failbackAtRecB(pair, group).catch(() => undefined);
      if (f && !seen.has(f.phase)) seen.set(f.phase, f.error);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    /**
     * Waits until the failback ended, both sites in their configured directions; asserts it never
     * showed a phase other than `draining`, `handing-over` and `allowed`.
     */
    async ended(what: string, allowed: string[] = []): Promise<void> {
      try {
        await waitFor(async () => (await failedBack(pair, group)) || null, { timeoutMs: 90_000, what });
      } finally {
        watching = false;
        await loop;
      }
      console.log(`${what}: phases seen at rec-b ${[...seen.keys()].join(", ")}`);
      const expected = ["draining", "handing-over", ...allowed];
      const unexpected = [...seen].filter(([phase]) => !expected.includes(phase));
      expect(unexpected.map(([phase, error]) => `${phase}: ${error}`)).toEqual([]);
    },
  };
}

/** prod-a serves g1 reading `reads` (qemu-io), and once caught up both images are byte-identical. */
async function byteIdenticalAtProdA(pair: EnginePair, reads: string[], group = "g1", volume = "vol1") {
  await qemuIo(`nbd://127.0.0.1:${pair.ports.nbd}/${volume}`, reads);
  await pair.caughtUp(60_000, "configured", group);
  expect(pair.imagesIdentical(group), group).toBe(true);
}

describe("failback: a kill -9 of the site failed back to, during the drain", () => {
  const ctx = reprotectedPairForTests();

  it("goes on draining once prod-a is back, hands the group over, and loses no acknowledged write", async () => {
    const { pair, uri } = ctx;
    // Shipping paused while writing, so the whole 8 MiB is left when the failback starts.
    expect((await pair.api("recovery", "POST", "/groups/g1/pause")).status).toBe(200);
    await qemuIo(uri, writes64k(0xd1, 8));
    const failback = await failBack(pair, "g1");
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
    expect(await tryWrite(uri)).toMatch(/Operation not permitted/);

    await pair.start("production");
    await failback.ended("g1 failed back after prod-a's restart");
    await byteIdenticalAtProdA(pair, [
      "read -P 0xc1 0 64k",
      "read -P 0xaa 64k 8128k",
      "read -P 0xd1 8M 8M",
      "read -P 0xaa 16M 16M",
    ]);
  });
});

describe.each([
  ["prod-a, the site failed back to,", "production"],
  ["rec-b, the site failing back,", "recovery"],
] as const)("failback: a kill -9 of %s during the hand-over, after prod-a recorded its failover", (_, killed) => {
  const ctx = reprotectedPairForTests();

  it("ends by itself at the restart: prod-a finishes its failover and reprotect, rec-b learns it took the group", async () => {
    const { pair, uri } = ctx;
    await qemuIo(uri, ["write -P 0xd2 4M 1M", "write -P 0xd3 20M 64k"]);
    const groupDir = join(pair.dir, "prod", "groups", "g1");
    const failback = await failBack(pair, "g1");
    // Killed as soon as prod-a recorded its failover (the hand-over); its reprotect comes later.
    await waitFor(() => existsSync(join(groupDir, FAILOVER_FILE)) || null, {
      timeoutMs: 60_000,
      intervalMs: 1,
      what: "prod-a's failover record written",
    });
    await pair.kill9(killed);
    expect(readReversal(groupDir)?.direction, "the kill came after prod-a's reprotect: nothing was cut").toBe(
      "recovery",
    );
    if (killed === "production") {
      // rec-b refuses writes, whether it heard of the failover (fenced) or waits to ask again.
      expect(await tryWrite(uri)).toMatch(/Operation not permitted/);
      const meanwhile = (await failbackAtRecB(pair))?.phase ?? "fenced";
      console.log(`rec-b's g1 while prod-a is down: ${meanwhile}`);
      expect(meanwhile).toMatch(/^(handing-over|fenced)$/);
    }

    await pair.start(killed);
    // A restarted rec-b says `stopped` until its link to prod-a tells it the group was taken.
    await failback.ended(`g1 failed back after the ${killed} site's restart`, killed === "recovery" ? ["stopped"] : []);
    await byteIdenticalAtProdA(pair, [
      "read -P 0xc1 0 64k",
      "read -P 0xaa 64k 4032k",
      "read -P 0xd2 4M 1M",
      "read -P 0xaa 5M 15M",
      "read -P 0xd3 20M 64k",
    ]);
  });
});

describe("failback of two groups: the failing-back site reopens its sides during a drain", () => {
  const ctx = reprotectedPairForTests({ secondGroup: true });

  it("goes on draining the first group after the second one's hand-over reopened rec-b, and ends byte-identical", async () => {
    const { pair } = ctx;
    // g1's 8 MiB wait while it is paused, so its drain is still on when rec-b reopens.
    expect((await pair.api("recovery", "POST", "/groups/g1/pause")).status).toBe(200);
    await qemuIo(ctx.uri, writes64k(0xd1, 8));
    const failback = await failBack(pair, "g1");

    // g2 fails back: prod-a takes it and connects to rec-b to replicate it, which reopens rec-b's
    // sides (g2 becomes a recovery group there) under g1's drain.
    await (await failBack(pair, "g2")).ended("g2 failed back");
    // The reopened side serves g1 again (on a new port: rec-b has no nbd.listen), refusing writes.
    await waitFor(
      async () => {
        ctx.uri = (await pair.group("recovery", "g1")).reprotect!.volumes![0]!.uri;
        return /Operation not permitted/.test(await tryWrite(ctx.uri)) || null;
      },
      { timeoutMs: 30_000, what: "g1 served again at rec-b, refusing writes" },
    );
    expect((await failbackAtRecB(pair, "g1"))?.phase).toBe("draining");

    // g1 ships again: its drain follows it on the reopened side and hands the group over.
    expect((await pair.api("recovery", "POST", "/groups/g1/resume")).status).toBe(200);
    await failback.ended("g1 failed back after rec-b reopened");
    await byteIdenticalAtProdA(pair, ["read -P 0xc1 0 64k", "read -P 0xaa 64k 8128k", "read -P 0xd1 8M 8M"]);
    await byteIdenticalAtProdA(pair, ["read -P 0xc1 0 64k", "read -P 0xaa 64k 32704k"], "g2", "vol2");
  });
});
