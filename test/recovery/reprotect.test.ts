/**
 * Reprotect with real engine processes, qemu-io and the `rpowatch recover reprotect` CLI: after a
 * failover and writes at the new production site, reprotect reverses replication sending only the
 * extents that changed (the figure is printed), both sites flip direction, and writes at the new
 * production are replicated to the old site byte for byte. Bad requests change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePorts } from "../../lib/ports.ts";
import type { FailoverView } from "../../replication/failover/failover.ts";
import type { GroupFailbackStatus, GroupReprotectStatus } from "../../replication/status.ts";
import { BIN, EnginePair, qemuIo, runTool } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";
import { failbackAtRecB, failbackCli, reprotectedPairForTests, tryWrite, writes64k } from "./reprotected-pair.ts";

const refusal = async (res: Response) => ({
  status: res.status,
  error: ((await res.json()) as { error: string }).error,
});

/** 4 KiB-aligned offsets between 4 MiB and 8 MiB (never written before), one per 64 KiB extent, at varying places in it. */
const SCATTERED = Array.from({ length: 48 }, (_, i) => 4 * 1024 * 1024 + i * 64 * 1024 + ((i * 5) % 16) * 4096);

describe("reprotect after a failover", () => {
  let pair: EnginePair;
  let failover: FailoverView;

  beforeAll(async () => {
    const [reverseLinkPort] = await freePorts(1);
    pair = await EnginePair.running({ reverseLinkPort });
    await qemuIo(pair.nbdUri, ["write -P 0xaa 0 4M", "write -P 0xab 12M 1M"]);
    await pair.caughtUp();
    expect((await pair.api("production", "POST", "/groups/g1/bookmarks", { name: "point" })).status).toBe(201);
    await waitFor(async () => ((await pair.group("recovery")).lastBookmark?.name === "point" ? true : null), {
      timeoutMs: 30_000,
      what: "bookmark in the recovery journal",
    });
    // Written after the point: rolled back by the failover, still in prod-a's image.
    await qemuIo(pair.nbdUri, ["write -P 0xbb 8M 1M"]);
    await pair.caughtUp();
    const res = await pair.api("recovery", "POST", "/groups/g1/failover", { bookmark: "point" });
    expect(res.status).toBe(201);
    failover = (await res.json()) as FailoverView;
    // The old production site is fenced and reports what it holds beyond the journal.
    await waitFor(async () => ((await pair.group("production")).state === "failed-over" ? true : null), {
      timeoutMs: 15_000,
      what: "prod-a fenced",
    });
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  it("refuses bad reprotect requests, changing nothing", async () => {
    expect(await refusal(await pair.api("recovery", "POST", "/groups/nope/reprotect", {}))).toEqual({
      status: 404,
      error: 'no group "nope" on this site',
    });
    expect(await refusal(await pair.api("production", "POST", "/groups/g1/reprotect", {}))).toEqual({
      status: 409,
      error:
        'group "g1" failed over to site rec-b: reprotect is asked of that site (rpowatch recover reprotect --group g1 --site <its control API>)',
    });
    expect(
      await refusal(await pair.api("recovery", "POST", "/groups/g1/reprotect", { discardSide: "site-x" })),
    ).toEqual({
      status: 400,
      error: 'discardSide "site-x" is neither site of group "g1": give prod-a or rec-b',
    });
    expect((await pair.api("recovery", "POST", "/groups/g1/reprotect", { discard: "prod-a" })).status).toBe(400);
    // Failback follows a reprotect: refused at both sites while the group is only failed over.
    expect(await refusal(await pair.api("recovery", "POST", "/groups/g1/failback", {}))).toEqual({
      status: 409,
      error: 'group "g1" failed over to site rec-b: a failback is not possible until it is reprotected',
    });
    expect((await pair.api("production", "POST", "/groups/g1/failback", {})).status).toBe(409);
    expect((await pair.api("recovery", "POST", "/groups/nope/failback", {})).status).toBe(404);
    const g = await pair.group("recovery");
    expect([g.state, g.direction, g.failover?.phase, g.reprotect]).toEqual([
      "failed-over",
      "production",
      "promoted",
      undefined,
    ]);
    await qemuIo(failover.volumes[0]!.uri, ["read -P 0xaa 0 4M"]);
  });

  it("sends only the blocks changed since the failover point (scattered 4 KiB writes too), and flips the direction at both sites", async () => {
    const uri = failover.volumes[0]!.uri;
    // Changed since the point: 1 MiB at prod-a (rolled back at rec-b), 768 KiB at rec-b, and 48
    // scattered 4 KiB writes at rec-b, each in its own 64 KiB extent (3 MiB if sent as extents).
    await qemuIo(uri, [
      "write -P 0xc1 1M 512k",
      "write -P 0xc2 10M 256k",
      ...SCATTERED.map((o) => `write -P 0xc3 ${o} 4k`),
    ]);
    const scatteredBytes = SCATTERED.length * 4096;
    const changed = 1024 * 1024 + 768 * 1024 + scatteredBytes;
    const site = `http://127.0.0.1:${pair.ports.control.recovery}`;
    const cli = () =>
      runTool(
        process.execPath,
        [BIN, "recover", "reprotect", "--group", "g1", "--json", "--interval", "0.2", "--site", site],
        120_000,
      );
    await waitFor(async () => ((await pair.group("recovery")).failover?.oldSiteReported ? true : null), {
      timeoutMs: 30_000,
      what: "prod-a's report at rec-b",
    });
    // Two at once: one reprotects, the other is refused.
    const runs = await Promise.all([cli(), cli()]);
    const won = runs.filter((r) => r.code === 0);
    const lost = runs.filter((r) => r.code !== 0);
    expect(won, runs.map((r) => r.stderr).join("\n")).toHaveLength(1);
    expect(lost[0]!.stderr).toMatch(/409 group "g1" is already being reprotected from site rec-b/);
    const run = won[0]!;
    const done = JSON.parse(run.stdout) as GroupReprotectStatus;
    console.log(
      `reprotect: ${done.bytesSent} bytes sent for ${changed} bytes changed since the failover (ratio ${(done.bytesSent! / changed).toFixed(3)})`,
    );
    expect(done).toMatchObject({ phase: "protected", direction: "production", peerSite: "prod-a", progressRatio: 1 });
    expect(done.bytesToSend).toBe(changed);
    expect(done.bytesSent).toBe(changed);
    // The aim, measured by the engine itself: bytes sent within 1.1x of bytes changed.
    expect(done.bytesSent! / changed).toBeLessThanOrEqual(1.1);

    const rec = await pair.group("recovery");
    expect([rec.direction, rec.failover]).toEqual(["production", undefined]);
    const prod = await waitFor(
      async () => {
        const g = await pair.group("production");
        return g.direction === "recovery" && g.state === "active" ? g : null;
      },
      { timeoutMs: 30_000, what: "prod-a a recovery site" },
    );
    expect(prod.failover).toBeUndefined();
    expect(prod.reprotect).toMatchObject({ phase: "protected", direction: "recovery", peerSite: "rec-b" });

    // Writes at the new production are journaled and shipped: the old site's image follows.
    const newUri = done.volumes![0]!.uri;
    await qemuIo(newUri, ["write -P 0xd1 2M 128k", "write -P 0xd2 15M 64k"]);
    const head = await pair.caughtUp(60_000, "reversed");
    expect(head.rpoSeconds).toBe(0);
    expect(pair.imagesIdentical()).toBe(true);
    await qemuIo(newUri, [
      "read -P 0xaa 0 1M",
      `read -P 0xc3 ${SCATTERED[0]} 4k`,
      `read -P 0 ${SCATTERED[0]! + 4096} 60k`,
      `read -P 0xc3 ${SCATTERED.at(-1)} 4k`,
      "read -P 0xc1 1M 512k",
      "read -P 0xd1 2M 128k",
      "read -P 0xc2 10M 256k",
    ]);
  });

  it("refuses a second reprotect once the group is protected again", async () => {
    expect(await refusal(await pair.api("recovery", "POST", "/groups/g1/reprotect", {}))).toEqual({
      status: 409,
      error:
        'group "g1" has not failed over to site rec-b: reprotect follows a failover and is asked of the site the group failed over to',
    });
    // Failback is asked of the group's production site (rec-b now), not of its recovery site.
    expect((await pair.api("production", "POST", "/groups/g1/failback", {})).status).toBe(409);
  });

  it("fails back (planned migration): no acknowledged write lost, the group returns to its original direction", async () => {
    const uri = (await pair.group("recovery")).reprotect!.volumes![0]!.uri;
    await qemuIo(uri, ["write -P 0xe1 3M 64k", "write -P 0xe2 14M 128k"]);
    const run = await failbackCli(pair);
    expect(run.code, `${run.stderr}\n${pair.logs()}`).toBe(0);
    expect(run.stdout).toBe("g1 failed back: production at prod-a, recovery here\n");
    // The last writes at rec-b are in prod-a's image, served at its configured address again.
    await qemuIo(pair.nbdUri, ["read -P 0xe1 3M 64k", "read -P 0xe2 14M 128k", "read -P 0xd2 15M 64k"]);
    await qemuIo(pair.nbdUri, ["write -P 0xf1 5M 64k"]);
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
    const [prod, rec] = [await pair.group("production"), await pair.group("recovery")];
    expect([prod.direction, prod.state, prod.failover]).toEqual(["production", "active", undefined]);
    expect([rec.direction, rec.state, rec.failover]).toEqual(["recovery", "active", undefined]);
    console.log(`failback: reprotect at prod-a sent ${prod.reprotect?.bytesSent} bytes`);
  });
});

/**
 * A pair where both sites were written after the failover: prod-a is cut off by the proxy, rec-b
 * fails over, prod-a writes 0xee at 4M, rec-b 0xcc at 6M, then the link comes back and prod-a is
 * fenced and reports.
 */
async function splitPair(): Promise<{ pair: EnginePair; failover: FailoverView; site: string }> {
  const [reverseLinkPort] = await freePorts(1);
  const pair = await EnginePair.running({ reverseLinkPort, proxy: true });
  const site = `http://127.0.0.1:${pair.ports.control.recovery}`;
  await qemuIo(pair.nbdUri, ["write -P 0xaa 0 1M"]);
  await pair.caughtUp();
  pair.proxy!.cut();
  const res = await pair.api("recovery", "POST", "/groups/g1/failover", { latest: true });
  expect(res.status).toBe(201);
  const failover = (await res.json()) as FailoverView;
  await qemuIo(pair.nbdUri, ["write -P 0xee 4M 64k"]);
  await qemuIo(failover.volumes[0]!.uri, ["write -P 0xcc 6M 64k"]);
  pair.proxy!.restore();
  await waitFor(async () => ((await pair.group("recovery")).failover?.oldSiteReported ? true : null), {
    timeoutMs: 30_000,
    what: "prod-a fenced and its report at rec-b",
  });
  return { pair, failover, site };
}

describe("split brain: both sites written after the failover", () => {
  let pair: EnginePair;
  let failover: FailoverView;
  let site: string;
  const reprotect = (...args: string[]) =>
    runTool(
      process.execPath,
      [BIN, "recover", "reprotect", "--group", "g1", "--interval", "0.2", "--site", site, ...args],
      120_000,
    );

  beforeAll(async () => {
    ({ pair, failover, site } = await splitPair());
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  it("is refused with 409 naming both sides until the side to discard is named", async () => {
    const refused = await waitFor(
      async () => {
        const r = await reprotect();
        return /has not reported/.test(r.stderr) ? null : r;
      },
      { timeoutMs: 30_000, what: "prod-a's report at rec-b" },
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /409 split brain: group "g1" was written at both sites after the failover to rec-b at .*: prod-a took writes until .*, rec-b has 65536 bytes written since its promotion\. Name the side whose writes after the split are discarded: --discard-side prod-a \(keep rec-b's data\) or --discard-side rec-b \(keep prod-a's data\)/,
    );
    // Nothing changed: still failed over, served at the same address, prod-a fenced.
    const g = await pair.group("recovery");
    expect([g.state, g.failover?.phase, g.failover?.volumes, g.reprotect]).toEqual([
      "failed-over",
      "promoted",
      failover.volumes,
      undefined,
    ]);
    await qemuIo(failover.volumes[0]!.uri, ["read -P 0xcc 6M 64k", "read -P 0 4M 64k"]);
    expect((await pair.group("production")).state).toBe("failed-over");
  });

  it("discards the old production site's writes after the split when it is named", async () => {
    const run = await reprotect("--discard-side", "prod-a");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/g1 reprotecting towards prod-a: 0\.1 MiB of extents to send/);
    expect(run.stderr).toMatch(/reprotect g1: protected 100\.0%, 0\.1 of 0\.1 MiB sent/);
    const uri = run.stdout.trim();
    await qemuIo(uri, ["write -P 0xd1 8M 64k"]);
    await pair.caughtUp(60_000, "reversed");
    // prod-a's write at 4M after the split is gone: both images read rec-b's data.
    expect(pair.imagesIdentical()).toBe(true);
    await qemuIo(uri, ["read -P 0xaa 0 1M", "read -P 0 4M 64k", "read -P 0xcc 6M 64k", "read -P 0xd1 8M 64k"]);
    const g = await pair.group("recovery");
    expect(g.reprotect).toMatchObject({ phase: "protected", bytesToSend: 128 * 1024, bytesSent: 128 * 1024 });
  });
});

describe("split brain resolved for the old production site", () => {
  let pair: EnginePair;
  let site: string;

  beforeAll(async () => {
    ({ pair, site } = await splitPair());
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  it("discarding rec-b's writes hands the group back to prod-a, which resyncs rec-b", async () => {
    const run = await runTool(
      process.execPath,
      [BIN, "recover", "reprotect", "--group", "g1", "--discard-side", "rec-b", "--site", site],
      60_000,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe("g1: writes here discarded; prod-a takes the group back and resyncs it here\n");
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
    // prod-a's write after the split stays; rec-b's is gone; prod-a takes writes again.
    await qemuIo(pair.nbdUri, ["read -P 0xaa 0 1M", "read -P 0xee 4M 64k", "read -P 0 6M 64k", "write -P 0xf1 8M 64k"]);
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
    const [prod, rec] = [await pair.group("production"), await pair.group("recovery")];
    expect([prod.direction, prod.failover, rec.direction, rec.failover]).toEqual([
      "production",
      undefined,
      "recovery",
      undefined,
    ]);
    expect(rec.reprotect).toMatchObject({ phase: "protected", direction: "recovery", peerSite: "prod-a" });
  });
});

describe("reprotect across a kill -9 of either site", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    const [reverseLinkPort] = await freePorts(1);
    // rec-b ships at 2 MiB/s once it is production: the 8 MiB of extents take a few seconds.
    pair = await EnginePair.running({ reverseLinkPort, volumeSize: "32MiB", recoveryLink: ["limit: 2MiB"] });
    await qemuIo(pair.nbdUri, ["write -P 0xaa 0 32M"]);
    await pair.caughtUp();
  }, 120_000);

  afterAll(async () => {
    await pair?.close();
  });

  const progress = (at: number) =>
    waitFor(
      async () => {
        const r = (await pair.group("recovery")).reprotect;
        return r?.phase === "resyncing" && (r.progressRatio ?? 0) >= at ? r : null;
      },
      { timeoutMs: 60_000, what: `reprotect past ${at * 100}%` },
    );

  it("resumes the copy of the extents and loses no acknowledged write", async () => {
    const res = await pair.api("recovery", "POST", "/groups/g1/failover", { latest: true });
    const failover = (await res.json()) as FailoverView;
    await qemuIo(failover.volumes[0]!.uri, ["write -P 0xc1 0 8M"]);
    const started = await waitFor(
      async () => {
        const r = await pair.api("recovery", "POST", "/groups/g1/reprotect", {});
        return r.status === 202 ? ((await r.json()) as GroupReprotectStatus) : null;
      },
      { timeoutMs: 30_000, what: "reprotect accepted" },
    );
    expect(started.bytesToSend).toBe(8 * 1024 * 1024);
    const uri = started.volumes![0]!.uri;

    await progress(0.1);
    await pair.kill9("production");
    await pair.start("production");
    // An acknowledged write during the copy, then the new production site is killed.
    await qemuIo(uri, ["write -P 0xd1 20M 1M"]);
    await progress(0.3);
    await pair.kill9("recovery");
    await pair.start("recovery");

    const done = await waitFor(
      async () => {
        const r = (await pair.group("recovery")).reprotect;
        return r?.phase === "protected" ? r : null;
      },
      { timeoutMs: 60_000, what: "reprotect finished after the restarts" },
    );
    console.log(`reprotect across kill -9: ${done.bytesSent} bytes sent for ${done.bytesToSend} to send`);
    await pair.caughtUp(60_000, "reversed");
    expect(pair.imagesIdentical()).toBe(true);
    const served = (await pair.group("recovery")).reprotect!.volumes![0]!.uri;
    await qemuIo(served, ["read -P 0xc1 0 8M", "read -P 0xaa 8M 12M", "read -P 0xd1 20M 1M", "read -P 0xaa 21M 11M"]);
  });
});

describe("failback: progress, and a kill -9 of the site failing back", () => {
  const ctx = reprotectedPairForTests();
  const failback = () => failbackAtRecB(ctx.pair);
  const refusedWrite = () => tryWrite(ctx.uri);

  it("reports the drain's progress, stays refusing writes across a kill -9, and ends byte-identical when asked again", async () => {
    const { pair } = ctx;
    // Shipping paused while writing, so the whole 8 MiB is left when the failback starts.
    expect((await pair.api("recovery", "POST", "/groups/g1/pause")).status).toBe(200);
    await qemuIo(ctx.uri, writes64k(0xd1, 8));
    const res = await pair.api("recovery", "POST", "/groups/g1/failback", {});
    expect(res.status).toBe(202);
    const first = (await res.json()) as GroupFailbackStatus;
    expect(first).toMatchObject({ phase: "draining", toSite: "prod-a", bytesShipped: 0, progressRatio: 0 });
    expect(first.bytesRemaining).toBeGreaterThan(8 * 1024 * 1024);
    // A second failback while this one drains is refused.
    expect((await pair.api("recovery", "POST", "/groups/g1/failback", {})).status).toBe(409);
    expect((await pair.api("recovery", "POST", "/groups/g1/resume")).status).toBe(200);
    const midway = await waitFor(
      async () => {
        const f = await failback();
        return f?.phase === "draining" && f.progressRatio >= 0.2 && f.progressRatio < 0.8 ? f : null;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: "failback drain past 20%" },
    );
    console.log(`failback drain: ${JSON.stringify(midway)}`);
    expect(midway.bytesShipped).toBeGreaterThan(0);
    expect(midway.bytesRemaining).toBeGreaterThan(0);
    expect(midway.etaSeconds).toBeGreaterThan(0);
    expect(await refusedWrite()).toMatch(/Operation not permitted/);

    await pair.kill9("recovery");
    await pair.start("recovery");
    // After the restart: the failback is stopped, the writes stay refused until it is asked again or cancelled.
    const stopped = await waitFor(async () => ((await failback())?.phase === "stopped" ? await failback() : null), {
      timeoutMs: 30_000,
      what: "the stopped failback in rec-b's status",
    });
    expect(stopped!.error).toMatch(/ask again to go on, or POST \/groups\/g1\/failback\/cancel/);
    // rec-b has no nbd.listen: its restart serves the volumes on a new free port.
    ctx.uri = (await pair.group("recovery")).reprotect!.volumes![0]!.uri;
    expect(await refusedWrite()).toMatch(/Operation not permitted/);

    // Cancelled: writes are taken again; then a failback through the CLI with its progress lines.
    expect((await pair.api("recovery", "POST", "/groups/g1/failback/cancel", {})).status).toBe(200);
    expect(await failback()).toBeUndefined();
    await qemuIo(ctx.uri, writes64k(0xd2, 16));
    const run = await failbackCli(pair);
    expect(run.code, `${run.stderr}\n${pair.logs()}`).toBe(0);
    expect(run.stderr).toMatch(
      /failback g1 to prod-a: draining \d+\.\d%, \d+\.\d MiB shipped, \d+\.\d MiB left, ETA \d+ s/,
    );
    expect(run.stdout).toBe("g1 failed back: production at prod-a, recovery here\n");

    // No acknowledged write lost: prod-a serves all of them, and the images are byte-identical.
    await qemuIo(pair.nbdUri, [
      "read -P 0xc1 0 64k",
      "read -P 0xaa 64k 8128k",
      "read -P 0xd1 8M 8M",
      "read -P 0xd2 16M 8M",
      "read -P 0xaa 24M 8M",
    ]);
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
  });
});
