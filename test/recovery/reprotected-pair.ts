/**
 * What the failback tests start from: an engine pair whose groups failed over to rec-b, were
 * written there and reprotected, so rec-b is their production site, shipping to prod-a at 2 MiB/s
 * uncompressed (the patterns would shrink to nothing): draining 8 MiB takes a few seconds; that
 * link runs through a proxy (`pair.reverseProxy`) that can hold rec-b's failback request. Plus the
 * `rpowatch recover failback` CLI and the writes and reads the tests make around a failback.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { freePorts } from "../../lib/ports.ts";
import type { FailoverView } from "../../replication/failover/failover.ts";
import { BIN, EnginePair, type PairOptions, qemuIo, runTool } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";

export interface ReprotectedPair {
  pair: EnginePair;
  /** Where rec-b serves g1's volume (read once every group is reprotected: each reprotect reopens rec-b's sides). */
  uri: string;
}

type ReprotectedPairOptions = Pick<PairOptions, "secondGroup" | "socketDirs">;

/**
 * Each group's volume (32 MiB) is written 0xaa at prod-a, failed over to rec-b at the latest
 * point, written 0xc1 at 0 (64 KiB) there, reprotected, and caught up towards prod-a.
 */
async function reprotectedPair(o: ReprotectedPairOptions = {}): Promise<ReprotectedPair> {
  const [reverseLinkPort] = await freePorts(1);
  const pair = await EnginePair.running({
    reverseLinkPort,
    volumeSize: "32MiB",
    reverseProxy: true,
    recoveryLink: ["limit: 2MiB", "compression: off"],
    ...o,
  });
  const groups = o.secondGroup ? ["g1", "g2"] : ["g1"];
  for (const [i, group] of groups.entries()) {
    const volume = `vol${i + 1}`;
    await qemuIo(`nbd://127.0.0.1:${pair.ports.nbd}/${volume}`, ["write -P 0xaa 0 32M"]);
    await pair.caughtUp(60_000, "configured", group);
    const res = await pair.api("recovery", "POST", `/groups/${group}/failover`, { latest: true });
    expect(res.status).toBe(201);
    const failover = (await res.json()) as FailoverView;
    await qemuIo(failover.volumes[0]!.uri, ["write -P 0xc1 0 64k"]);
    await waitFor(
      async () => (await pair.api("recovery", "POST", `/groups/${group}/reprotect`, {})).status === 202 || null,
      { timeoutMs: 30_000, what: `reprotect of ${group} accepted` },
    );
    await pair.caughtUp(60_000, "reversed", group);
  }
  // rec-b has no nbd.listen: each reopen of its sides serves the volumes on a new port.
  return { pair, uri: (await pair.group("recovery", "g1")).reprotect!.volumes![0]!.uri };
}

/**
 * A reprotected pair for the tests of a describe block: started before them, closed after. `uri`
 * may be set anew by a test that made rec-b reopen its sides.
 */
export function reprotectedPairForTests(o: ReprotectedPairOptions = {}): ReprotectedPair {
  const ctx = {} as ReprotectedPair;
  beforeAll(async () => {
    Object.assign(ctx, await reprotectedPair(o));
  }, 240_000);
  afterAll(async () => {
    await ctx.pair?.close();
  });
  return ctx;
}

/**
 * Pauses rec-b's link to prod-a at rec-b's failback request, the hand-over (resolves then):
 * forwarded first, prod-a gets it and nothing that follows (rec-b hears no answer, prod-a no
 * report of what rec-b holds, which its reprotect waits for); held, the request is in flight and
 * prod-a has not heard it. `pair.reverseProxy.resume()` lets everything through again.
 */
export function holdFailbackRequest(pair: EnginePair, o: { forward: boolean }): Promise<void> {
  return pair.reverseProxy!.holdAt((chunk) => chunk.includes('"op":"failback"'), o);
}

/** `rpowatch recover failback` of a group at rec-b, following it to its end. */
export function failbackCli(pair: EnginePair, group = "g1") {
  const site = `http://127.0.0.1:${pair.ports.control.recovery}`;
  return runTool(
    process.execPath,
    [BIN, "recover", "failback", "--group", group, "--interval", "0.2", "--site", site],
    120_000,
  );
}

/** 8 MiB from `atMiB` in 64 KiB writes: records that become durable one batch at a time. */
export const writes64k = (pattern: number, atMiB: number) =>
  Array.from({ length: 128 }, (_, i) => `write -P ${pattern} ${atMiB * 1024 * 1024 + i * 64 * 1024} 64k`);

/** What qemu-io says of a write to `uri` (a refused one says "Operation not permitted"). */
export async function tryWrite(uri: string): Promise<string> {
  const write = await runTool("qemu-io", ["-f", "raw", "-c", "write -P 0xee 30M 4k", uri]);
  return `${write.stdout}${write.stderr}`;
}

/** The group's failback at rec-b, its production site during the failback. */
export async function failbackAtRecB(pair: EnginePair, group = "g1") {
  return (await pair.group("recovery", group)).failback;
}

/**
 * Both sites back in their configured directions for the group, the failback ended: rec-b's group
 * `active` (a fenced production group reports direction recovery too, but state `failed-over`).
 */
export async function failedBack(pair: EnginePair, group = "g1"): Promise<boolean> {
  const [prod, rec] = [await pair.group("production", group), await pair.group("recovery", group)];
  return (
    prod.direction === "production" &&
    prod.state === "active" &&
    rec.direction === "recovery" &&
    rec.state === "active" &&
    rec.reprotect?.direction === "recovery"
  );
}
