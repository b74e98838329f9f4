/**
 * Unix sockets at the original production site, prod-a, through a failback, when both sites have
 * an `imageAccess.socketDir` of their own: g1 failed over to rec-b and reprotected (prod-a its
 * recovery site), prod-a serves a test failover of g1 on `<its socketDir>/g1.sock`; a failback asked
 * meanwhile is refused by prod-a and leaves that session as it was; failed back, prod-a promotes g1
 * and serves it on `<its socketDir>/g1.promoted.sock` until its own reprotect removes the socket;
 * then rec-b, the recovery site again, serves images on `<its socketDir>/g1.sock`. Real engine
 * processes, qemu-io through every socket; each step lists both folders: every socket appears in
 * its own site's folder only, and none is left behind.
 */
import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { ImageSessionView } from "../../replication/images/image-access.ts";
import { qemuIo } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";
import {
  failbackAtRecB,
  failedBack,
  holdFailbackRequest,
  reprotectedPairForTests,
  tryWrite,
} from "./reprotected-pair.ts";

describe("Unix sockets at prod-a and rec-b through a failback, each site with its own socketDir", () => {
  const ctx = reprotectedPairForTests({ socketDirs: true });
  const prodA = () => ctx.pair.socketDir("production");
  const recB = () => ctx.pair.socketDir("recovery");

  /** The sockets in each site's folder. */
  async function sockets(): Promise<Record<"prod-a" | "rec-b", string[]>> {
    return { "prod-a": (await readdir(prodA())).sort(), "rec-b": (await readdir(recB())).sort() };
  }

  /** Starts a test failover of g1 at the site and answers its nbd+unix address. */
  async function testFailover(role: "production" | "recovery"): Promise<string> {
    const res = await ctx.pair.api(role, "POST", "/groups/g1/image", { latest: true, writable: true });
    const view = (await res.json()) as ImageSessionView;
    expect(res.status, JSON.stringify(view)).toBe(201);
    return view.volumes[0]!.unixUri!;
  }

  it("holds no socket at either site after the failover to rec-b and the reprotect: the promoted one went with it", async () => {
    expect(await sockets()).toEqual({ "prod-a": [], "rec-b": [] });
  });

  it("serves a test failover at prod-a, g1's recovery site now, on g1.sock in prod-a's folder only", async () => {
    const uri = await testFailover("production");
    expect(uri).toBe(`nbd+unix:///vol1?socket=${prodA()}/g1.sock`);
    expect(await sockets()).toEqual({ "prod-a": ["g1.sock"], "rec-b": [] });
    // rec-b's write after the failover (0xc1) came back with the reprotect.
    await qemuIo(uri, ["read -P 0xc1 0 64k", "read -P 0xaa 64k 1M", "write -P 0x3c 1M 64k"]);
    await qemuIo(uri, ["read -P 0x3c 1M 64k"]);
  });

  it("keeps that session and its socket when prod-a refuses the failback it blocks; image-end removes the socket", async () => {
    const { pair } = ctx;
    expect((await pair.api("recovery", "POST", "/groups/g1/failback", {})).status).toBe(202);
    const failed = await waitFor(
      async () => {
        const f = await failbackAtRecB(pair);
        return f?.phase === "failed" ? f : null;
      },
      { timeoutMs: 30_000, what: "rec-b's failback of g1 refused by prod-a" },
    );
    expect(failed.error).toContain(
      'prod-a did not take the failback: failback: group "g1" has image access or a test failover on: end it (rpowatch recover image-end --group g1) before failing over',
    );
    expect(await tryWrite(ctx.uri), "rec-b keeps refusing writes").toMatch(/Operation not permitted/);
    expect(await sockets()).toEqual({ "prod-a": ["g1.sock"], "rec-b": [] });
    await qemuIo(`nbd+unix:///vol1?socket=${prodA()}/g1.sock`, ["read -P 0x3c 1M 64k"]);

    expect((await pair.api("production", "POST", "/groups/g1/image/end", {})).status).toBe(200);
    expect(await sockets()).toEqual({ "prod-a": [], "rec-b": [] });
  });

  it("fails back asked again: prod-a serves its promoted g1 on g1.promoted.sock in its folder until its reprotect removes it", async () => {
    const { pair } = ctx;
    // prod-a gets the hand-over and nothing after it: it promotes g1, and its reprotect waits for
    // rec-b's report, held on the link, so the promoted socket stays while the test looks at it.
    const held = holdFailbackRequest(pair, { forward: true });
    expect((await pair.api("recovery", "POST", "/groups/g1/failback", {})).status).toBe(202);
    await held;
    const [promoted] = await waitFor(
      async () => {
        const f = (await pair.group("production", "g1")).failover;
        return f?.phase === "promoted" && f.volumes ? f.volumes : null;
      },
      { timeoutMs: 30_000, what: "g1 promoted at prod-a by the failback" },
    );
    expect(promoted!.unixUri).toBe(`nbd+unix:///vol1?socket=${prodA()}/g1.promoted.sock`);
    expect(await sockets()).toEqual({ "prod-a": ["g1.promoted.sock"], "rec-b": [] });
    // The test failover's write was discarded; a write through the promoted socket is prod-a's own.
    await qemuIo(promoted!.unixUri!, ["read -P 0xc1 0 64k", "read -P 0xaa 1M 64k", "write -P 0x5e 2M 64k"]);
    await qemuIo(promoted!.unixUri!, ["read -P 0x5e 2M 64k"]);

    pair.reverseProxy!.resume();
    await waitFor(async () => (await failedBack(pair)) || null, {
      timeoutMs: 90_000,
      what: "g1 failed back to prod-a",
    });
    expect(await sockets()).toEqual({ "prod-a": [], "rec-b": [] });
  });

  it("after the failback serves no image at prod-a, and rec-b's test failover on g1.sock in its folder reads prod-a's promoted write", async () => {
    const { pair } = ctx;
    await pair.caughtUp(60_000, "configured");
    expect((await pair.api("production", "POST", "/groups/g1/image", { latest: true })).status).toBe(409);
    await qemuIo(pair.nbdUri, ["read -P 0x5e 2M 64k"]);

    const uri = await testFailover("recovery");
    expect(uri).toBe(`nbd+unix:///vol1?socket=${recB()}/g1.sock`);
    expect(await sockets()).toEqual({ "prod-a": [], "rec-b": ["g1.sock"] });
    await qemuIo(uri, ["read -P 0xc1 0 64k", "read -P 0xaa 1M 64k", "read -P 0x5e 2M 64k", "write -P 0x4d 3M 64k"]);
    await qemuIo(uri, ["read -P 0x4d 3M 64k"]);
    expect((await pair.api("recovery", "POST", "/groups/g1/image/end", {})).status).toBe(200);
    expect(await sockets()).toEqual({ "prod-a": [], "rec-b": [] });
  });
});
