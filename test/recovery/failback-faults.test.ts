/**
 * Failback faults with real engine processes and qemu-io, beside the kill -9 of the site failing
 * back during its drain (reprotect.test.ts): a kill -9 of the site the group fails back to during
 * the drain; of either site during the hand-over, once the site failed back to recorded its
 * failover and before its reprotect; of the site failing back with its hand-over request sent and
 * no failover recorded yet, the request lost with it or heard after it died; and the failing-back
 * site reopening its sides during a drain (another group's failback ending), which the drain
 * follows instead of stalling on the closed group. The hand-over kills land on the request itself:
 * the proxy on rec-b's link to prod-a holds it (or all that follows it), so no kill depends on a
 * timing window. Each failback is watched from its request on and must never show `failed` (nor
 * `stopped`, but at a restart of the site failing back); each ends (by itself, or asked again when
 * prod-a never heard of it) with every acknowledged write read back at prod-a and the images
 * byte-identical at a common sequence point.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FAILOVER_FILE } from "../../replication/failover/failover-record.ts";
import { readReversal } from "../../replication/reprotect/reversal-record.ts";
import type { GroupFailbackStatus } from "../../replication/status.ts";
import { type EnginePair, qemuIo } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";
import {
  failbackAtRecB,
  failedBack,
  holdFailbackRequest,
  reprotectedPairForTests,
  tryWrite,
  writes64k,
} from "./reprotected-pair.ts";

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

/**
 * Writes at rec-b (g1's volume, with qemu-io), then fails g1 back with its hand-over request held
 * on the link (holdFailbackRequest: forwarded or not); answers once the request is held.
 */
async function failBackHeld(pair: EnginePair, writes: string[], o: { forward: boolean }) {
  await qemuIo((await pair.group("recovery", "g1")).reprotect!.volumes![0]!.uri, writes);
  const held = holdFailbackRequest(pair, o);
  const failback = await failBack(pair, "g1");
  await held;
  return failback;
}

/** Waits until prod-a recorded its failover of g1 (the failback's), `when` saying after what. */
async function failoverRecordedAtProdA(pair: EnginePair, when: string): Promise<void> {
  await waitFor(() => existsSync(join(pair.dir, "prod", "groups", "g1", FAILOVER_FILE)) || null, {
    timeoutMs: 60_000,
    what: `prod-a's failover record written, ${when}`,
    process: pair.proc.production!,
  });
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
    const groupDir = join(pair.dir, "prod", "groups", "g1");
    // prod-a gets the hand-over and nothing after it: it records its failover, but its reprotect
    // waits for rec-b's report, held with the rest, so the kill lands between the two every time.
    const failback = await failBackHeld(pair, ["write -P 0xd2 4M 1M", "write -P 0xd3 20M 64k"], { forward: true });
    await failoverRecordedAtProdA(pair, "the hand-over heard");
    await pair.kill9(killed);
    pair.reverseProxy!.resume();
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

describe.each([
  ["lost with it (the link cut at the kill)", "lost"],
  ["heard by prod-a after it died", "delivered"],
] as const)(
  "failback: a kill -9 of rec-b, the site failing back, with its hand-over request %s, before prod-a recorded a failover",
  (_, request) => {
    const ctx = reprotectedPairForTests();

    it("stays refusing writes across the restart, ends once asked again or by itself, and loses no acknowledged write", async () => {
      const { pair } = ctx;
      const groupDir = join(pair.dir, "prod", "groups", "g1");
      const failback = await failBackHeld(pair, ["write -P 0xd4 2M 1M", "write -P 0xd5 24M 64k"], {
        forward: false,
      });
      // Drained, and the request on its way: rec-b says so, prod-a has not heard it.
      expect((await failbackAtRecB(pair))?.phase).toBe("handing-over");
      await pair.kill9("recovery");
      expect(existsSync(join(groupDir, FAILOVER_FILE)), "prod-a recorded a failover before the kill").toBe(false);
      if (request === "lost") {
        pair.reverseProxy!.cut();
        pair.reverseProxy!.restore();
        pair.reverseProxy!.resume();
      } else {
        // prod-a hears the request on a connection that looks alive, and fails over to itself
        // while rec-b is down; rec-b's close reaches it once the rest is let through.
        pair.reverseProxy!.deliverHeld();
        await failoverRecordedAtProdA(pair, "the request heard after rec-b died");
        pair.reverseProxy!.resume();
      }

      await pair.start("recovery");
      // rec-b has no nbd.listen: its restart serves the volume on a new port.
      ctx.uri = (await pair.group("recovery")).reprotect!.volumes![0]!.uri;
      if (request === "lost") {
        // Nothing reached prod-a: rec-b keeps the failback stopped and the writes refused until asked again.
        const stopped = await waitFor(async () => ((await failbackAtRecB(pair))?.phase === "stopped" ? true : null), {
          timeoutMs: 30_000,
          what: "the stopped failback in rec-b's status",
        });
        expect(stopped).toBe(true);
        expect(await tryWrite(ctx.uri)).toMatch(/Operation not permitted/);
        expect(existsSync(join(groupDir, FAILOVER_FILE)), "prod-a failed over by itself").toBe(false);
        expect((await pair.api("recovery", "POST", "/groups/g1/failback", {})).status).toBe(202);
      }
      await failback.ended(`g1 failed back after rec-b's restart, its hand-over request ${request}`, ["stopped"]);
      await byteIdenticalAtProdA(pair, [
        "read -P 0xc1 0 64k",
        "read -P 0xaa 64k 1984k",
        "read -P 0xd4 2M 1M",
        "read -P 0xaa 3M 21M",
        "read -P 0xd5 24M 64k",
        "read -P 0xaa 24640k 8128k",
      ]);
    });
  },
);

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
