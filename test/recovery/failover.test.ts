/**
 * Failover with real engine processes, the `rpowatch recover failover` CLI and qemu-io: pattern A,
 * a bookmark, pattern B; failing over at the bookmark serves the volume writable at the recovery
 * site reading exactly A; the old production site is fenced (its export refuses writes with EPERM)
 * and both sites say `failed-over` (also on /metrics, through a real collector); a failover during
 * a test failover, a second one and bad points are refused and change nothing; the promotion and
 * the fence survive a kill -9 of either site, and the promoted volumes come back on the same
 * addresses (on a new port, said in the status, only when theirs is taken).
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metrics } from "../../model/metrics.ts";
import type { DrillRecord } from "../../replication/drills/drill-store.ts";
import type { FailoverView } from "../../replication/failover/failover.ts";
import type { RecoveryPoints } from "../../replication/images/recovery-point.ts";
import { type Rig, scrape, startRig } from "../collector/support/exporter-rig.ts";
import { BIN, EnginePair, qemuIo, runTool } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";

const refusal = async (res: Response) => ({
  status: res.status,
  error: ((await res.json()) as { error: string }).error,
});

/** Phases of rpowatch_group_failover at 1 on /metrics, by site. */
async function failoverPhases(rig: Rig): Promise<Record<string, string>> {
  const { body } = await scrape(rig);
  const at: Record<string, string> = {};
  const line = new RegExp(`^${metrics.groupFailover.name}\\{.*site="([^"]+)".*phase="([^"]+)"\\} 1$`, "gm");
  for (const m of body.matchAll(line)) at[m[1]!] = m[2]!;
  return at;
}

/** Waits until /metrics shows these phases at these sites. */
function phasesOnMetrics(rig: Rig, want: Record<string, string>): Promise<Record<string, string>> {
  return waitFor(
    async () => {
      const at = await failoverPhases(rig);
      return Object.entries(want).every(([site, phase]) => at[site] === phase) ? at : null;
    },
    { timeoutMs: 30_000, what: `failover phases ${JSON.stringify(want)} on /metrics` },
  );
}

describe("failover of a consistency group", () => {
  let pair: EnginePair;
  let rig: Rig;
  let failover: FailoverView;
  let holder: Server | undefined;

  beforeAll(async () => {
    pair = await EnginePair.running();
    rig = await startRig([
      { name: "prod", url: `http://127.0.0.1:${pair.ports.control.production}` },
      { name: "rec", url: `http://127.0.0.1:${pair.ports.control.recovery}` },
    ]);
    await qemuIo(pair.nbdUri, ["write -P 0xaa 0 2M"]);
    await pair.caughtUp();
    expect((await pair.api("production", "POST", "/groups/g1/bookmarks", { name: "before-b" })).status).toBe(201);
    await waitFor(
      async () => {
        const p = (await (await pair.api("recovery", "GET", "/groups/g1/points")).json()) as RecoveryPoints;
        return p.bookmarks.some((b) => b.name === "before-b") || null;
      },
      { timeoutMs: 30_000, what: "bookmark before-b in the recovery journal" },
    );
    await qemuIo(pair.nbdUri, ["write -P 0xbb 0 1M", "write -P 0xbb 8M 1M"]);
    await pair.caughtUp();
  });

  afterAll(async () => {
    holder?.close();
    await rig?.stop();
    await pair?.close();
  });

  it("exports failover phase none at both sites before any failover", async () => {
    expect(await phasesOnMetrics(rig, { "prod-a": "none", "rec-b": "none" })).toEqual({
      "prod-a": "none",
      "rec-b": "none",
    });
  });

  it("refuses a failover while a test failover runs, and bad points, changing nothing", async () => {
    const test = await pair.api("recovery", "POST", "/groups/g1/image", { latest: true, writable: true });
    expect(test.status).toBe(201);
    expect(await refusal(await pair.api("recovery", "POST", "/groups/g1/failover", { latest: true }))).toEqual({
      status: 409,
      error:
        'group "g1" has image access or a test failover on: end it (rpowatch recover image-end --group g1) before failing over',
    });
    expect((await pair.api("recovery", "POST", "/groups/g1/image/end", {})).status).toBe(200);

    expect(
      await refusal(await pair.api("recovery", "POST", "/groups/g1/failover", { bookmark: "never-made" })),
    ).toEqual({
      status: 404,
      error: 'no bookmark "never-made" in the recoverable window',
    });
    expect(
      (await refusal(await pair.api("recovery", "POST", "/groups/g1/failover", { latest: true, writable: true })))
        .status,
    ).toBe(400);
    expect((await pair.api("recovery", "POST", "/groups/nope/failover", { latest: true })).status).toBe(404);
    expect((await pair.api("production", "POST", "/groups/g1/failover", { latest: true })).status).toBe(409);

    // Nothing changed: replication goes on and the group is still a recovery group.
    await qemuIo(pair.nbdUri, ["write -P 0xbb 12M 64k"]);
    await pair.caughtUp();
    const g = await pair.group("recovery");
    expect([g.state, g.direction, g.failover]).toEqual(["active", "recovery", undefined]);
  });

  it("fails over at a bookmark: one of two concurrent requests wins, the volume is served writable reading pattern A", async () => {
    const site = `http://127.0.0.1:${pair.ports.control.recovery}`;
    const cli = () =>
      runTool(
        process.execPath,
        [
          BIN,
          "recover",
          "failover",
          "--group",
          "g1",
          "--bookmark",
          "before-b",
          "--note",
          "drill",
          "--json",
          "--site",
          site,
        ],
        120_000,
      );
    const runs = await Promise.all([cli(), cli()]);
    const won = runs.filter((r) => r.code === 0);
    const lost = runs.filter((r) => r.code !== 0);
    expect(won, runs.map((r) => r.stderr).join("\n")).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.stderr).toMatch(
      /409 group "g1" (is already failing over|is failing over|failed over) to site rec-b/,
    );
    failover = JSON.parse(won[0]!.stdout) as FailoverView;

    expect(failover.point.bookmark).toBe("before-b");
    expect(failover.rolledBackBytes).toBeGreaterThanOrEqual(2 * 1024 * 1024);
    expect(failover.rtoSeconds).toBeGreaterThan(0);
    const uri = failover.volumes[0]!.uri;
    expect(uri).toMatch(/^nbd:\/\/127\.0\.0\.1:\d+\/vol1$/);
    // Exactly A: B's writes after the bookmark are rolled back, over A and over zeroes.
    await qemuIo(uri, ["read -P 0xaa 0 2M", "read -P 0 8M 1M", "read -P 0 12M 64k"]);
    await qemuIo(uri, ["write -P 0xcc 4M 64k", "read -P 0xcc 4M 64k"]);
  });

  it("says failed-over at both sites and fences the old production site: its export refuses writes with EPERM", async () => {
    const recovery = await pair.group("recovery");
    expect(recovery.state).toBe("failed-over");
    expect(recovery.direction).toBe("production");
    expect(recovery.failover).toMatchObject({
      phase: "promoted",
      toSite: "rec-b",
      point: { bookmark: "before-b" },
      volumes: failover.volumes,
    });
    const fenced = await waitFor(
      async () => {
        const g = await pair.group("production");
        return g.state === "failed-over" ? g : null;
      },
      { timeoutMs: 15_000, what: "the old production group fenced" },
    );
    expect(fenced.failover).toMatchObject({ phase: "fenced", toSite: "rec-b" });
    // One group, one production: the fenced side no longer reports itself as the group's production.
    expect(fenced.direction).toBe("recovery");
    expect(await refusal(await pair.api("production", "POST", "/groups/g1/resume"))).toEqual({
      status: 409,
      error:
        'group "g1" failed over to site rec-b and is fenced here: resuming replication is not possible until it is reprotected',
    });
    const write = await runTool("qemu-io", ["-f", "raw", "-c", "write -P 0xdd 0 4k", pair.nbdUri]);
    expect(`${write.stdout}${write.stderr}`).toMatch(/Operation not permitted/);
    await qemuIo(pair.nbdUri, ["read -P 0xbb 0 1M"]);

    const refusedImage = await refusal(await pair.api("recovery", "POST", "/groups/g1/image", { latest: true }));
    expect(refusedImage).toEqual({
      status: 409,
      error:
        'group "g1" failed over to site rec-b: image access (recovery points, images, test failover) is not possible until it is reprotected',
    });
  });

  it("shows the failover on /metrics: promoted at the recovery site, fenced at the old production site", async () => {
    await phasesOnMetrics(rig, { "prod-a": "fenced", "rec-b": "promoted" });
    const { body } = await scrape(rig);
    // A state set: the other phases of the promoted group read 0.
    for (const phase of ["none", "promoting", "fenced"])
      expect(body).toMatch(new RegExp(`^${metrics.groupFailover.name}\\{.*site="rec-b".*phase="${phase}"\\} 0$`, "m"));
  });

  it("records the failover as a drill with its point, measured RTO and operator's note", async () => {
    const drills = (await (await pair.api("recovery", "GET", "/drills")).json()) as DrillRecord[];
    const d = drills.find((x) => x.kind === "failover")!;
    expect(d).toMatchObject({
      id: failover.drill,
      group: "g1",
      result: "passed",
      point: { bookmark: "before-b" },
      note: "drill",
      rtoSeconds: failover.rtoSeconds,
    });
    // A failover is not a test: the group's last successful test stays the test failover run before.
    const test = drills.find((x) => x.kind === "test-failover")!;
    expect((await pair.group("recovery")).lastTestFailoverTimestamp).toBe(test.endedAt);
    expect(test.endedAt!).toBeLessThan(d.endedAt!);
  });

  it("keeps the promotion and the fence across a kill -9 of both sites", async () => {
    await pair.kill9("recovery");
    await pair.kill9("production");
    await pair.start("recovery");
    await pair.start("production");
    const recovery = await waitFor(
      async () => {
        const g = await pair.group("recovery");
        return g.failover?.volumes ? g : null;
      },
      { timeoutMs: 30_000, what: "the promoted group served again" },
    );
    expect([recovery.state, recovery.direction, recovery.failover!.phase]).toEqual([
      "failed-over",
      "production",
      "promoted",
    ]);
    // The same addresses as the failover answered: clients reconnect unchanged.
    expect(recovery.failover!.volumes).toEqual(failover.volumes);
    expect(recovery.failover!.previousPort).toBeUndefined();
    await qemuIo(failover.volumes[0]!.uri, ["read -P 0xaa 0 2M", "read -P 0xcc 4M 64k", "read -P 0 8M 1M"]);
    const production = await pair.group("production");
    expect(production.state).toBe("failed-over");
    const write = await runTool("qemu-io", ["-f", "raw", "-c", "write -P 0xdd 0 4k", pair.nbdUri]);
    expect(`${write.stdout}${write.stderr}`).toMatch(/Operation not permitted/);
  });

  it("serves the promoted volumes on a new port, and says so in the status, when theirs is taken at restart", async () => {
    const uri = new URL(failover.volumes[0]!.uri);
    const port = Number(uri.port);
    await pair.kill9("recovery");
    holder = createServer();
    await new Promise<void>((resolve, reject) => {
      holder!.once("error", reject);
      holder!.listen(port, "127.0.0.1", resolve);
    });
    await pair.start("recovery");
    const recovery = await waitFor(
      async () => {
        const g = await pair.group("recovery");
        return g.failover?.volumes ? g : null;
      },
      { timeoutMs: 30_000, what: "the promoted group served again" },
    );
    expect(recovery.failover!.previousPort).toBe(port);
    const moved = recovery.failover!.volumes![0]!.uri;
    expect(moved).not.toBe(failover.volumes[0]!.uri);
    expect(moved).toMatch(/^nbd:\/\/127\.0\.0\.1:\d+\/vol1$/);
    await qemuIo(moved, ["read -P 0xaa 0 2M", "read -P 0xcc 4M 64k"]);
    expect(pair.logs()).toMatch(/the promoted volumes' port is taken/);
    await phasesOnMetrics(rig, { "rec-b": "promoted" });
  });
});
