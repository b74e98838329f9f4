/**
 * Direction belongs to a consistency group: two real engine processes, each production for one
 * group and recovery for the other (paris ships erp to berlin, berlin ships crm to paris). Clients
 * write with qemu-io at both sites, each replica ends byte-identical to its production image,
 * /status reports each group's direction, and the control API routes each operation to the group
 * that can do it, refusing the others with 409 naming the group and its direction.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHostPort } from "../../lib/host-port.ts";
import type { SiteStatus } from "../../replication/status.ts";
import { startEngineSite } from "../support/engine-site.ts";
import { outputTail, type ServiceProcess, waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { PSK, qemuIo, runTool } from "./harness.ts";

type SiteName = "paris" | "berlin";
const MiB = 1024 ** 2;

/** Each site's own group first; the other one takes the direction opposite to the site's role. */
function siteFile(dir: string, site: SiteName): string {
  const own = site === "paris" ? "erp" : "crm";
  const other = site === "paris" ? "crm" : "erp";
  return [
    `site: ${site}`,
    `role: ${site === "paris" ? "production" : "recovery"}`,
    `dataDir: ${join(dir, site)}`,
    'control: { listen: "127.0.0.1:0" }',
    'nbd: { listen: "127.0.0.1:0" }',
    "link:",
    '  listen: "127.0.0.1:0"',
    // Set once the other site has bound its link port.
    '  peer: "127.0.0.1:0"',
    "  psk: { env: RPOWATCH_PSK }",
    "groups:",
    ...(site === "paris"
      ? [
          `  - { name: ${own}, volumes: [ { name: ${own}-db, size: 8MiB } ] }`,
          `  - { name: ${other}, direction: recovery, volumes: [ { name: ${other}-db, size: 8MiB } ] }`,
        ]
      : [
          `  - { name: ${other}, volumes: [ { name: ${other}-db, size: 8MiB } ] }`,
          `  - { name: ${own}, direction: production, volumes: [ { name: ${own}-db, size: 8MiB } ] }`,
        ]),
    "",
  ].join("\n");
}

describe("one site runs production and recovery groups side by side", () => {
  let dir: string;
  const proc: Partial<Record<SiteName, ServiceProcess>> = {};
  const ports = { control: {} as Record<SiteName, number>, nbd: {} as Record<SiteName, number> };
  const link = {} as Record<SiteName, number>;

  const file = (site: SiteName) => join(dir, `${site}.yaml`);
  const image = (site: SiteName, group: string) => join(dir, site, "groups", group, `${group}-db.img`);
  const nbd = (site: SiteName, volume: string) => `nbd://127.0.0.1:${ports.nbd[site]}/${volume}`;
  const api = (site: SiteName, method: string, path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${ports.control[site]}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const status = async (site: SiteName) => (await (await api(site, "GET", "/status")).json()) as SiteStatus;
  const logs = () => (["paris", "berlin"] as const).map((s) => `--- ${s} ---\n${outputTail(proc[s]!)}`).join("\n");

  /** Starts a site; its first start binds free ports, which are written back so a restart keeps them. */
  async function start(site: SiteName): Promise<void> {
    const { proc: p, listening } = await startEngineSite({
      name: `engine-${site}`,
      configFile: file(site),
      env: { ...process.env, RPOWATCH_PSK: PSK },
    });
    proc[site] = p;
    ports.control[site] = parseHostPort(listening.control).port;
    ports.nbd[site] = parseHostPort(listening.nbd!).port;
    link[site] = parseHostPort(listening.link!).port;
    const held = readFileSync(file(site), "utf8")
      .replace('control: { listen: "127.0.0.1:0" }', `control: { listen: "127.0.0.1:${ports.control[site]}" }`)
      .replace('nbd: { listen: "127.0.0.1:0" }', `nbd: { listen: "127.0.0.1:${ports.nbd[site]}" }`)
      .replace('  listen: "127.0.0.1:0"', `  listen: "127.0.0.1:${link[site]}"`);
    writeFileSync(file(site), held);
  }

  const pointPeerAt = (site: SiteName, port: number) =>
    writeFileSync(
      file(site),
      readFileSync(file(site), "utf8").replace(/peer: "127\.0\.0\.1:\d+"/, `peer: "127.0.0.1:${port}"`),
    );

  /** Both groups: every acknowledged write durable and distributed at the group's recovery site. */
  async function caughtUp(): Promise<void> {
    await waitFor(
      async () => {
        const [paris, berlin] = [await status("paris"), await status("berlin")];
        const of = (s: SiteStatus, g: string) => s.groups.find((x) => x.name === g)!;
        const done = (production: SiteStatus, recovery: SiteStatus, g: string) => {
          const p = of(production, g);
          const r = of(recovery, g);
          return p.state === "active" && p.rpoSeconds === 0 && p.durableSeq === p.headSeq && r.appliedSeq === p.headSeq;
        };
        return done(paris, berlin, "erp") && done(berlin, paris, "crm");
      },
      { timeoutMs: 60_000, what: "both groups caught up at their recovery sites" },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${logs()}`);
    });
  }

  beforeAll(async () => {
    dir = await makeTempDir("mixed-direction");
    for (const site of ["paris", "berlin"] as const) writeFileSync(file(site), siteFile(dir, site));
    // Each site's peer is the other's link listener: berlin starts first, paris then points at it,
    // and berlin restarts pointing at paris (keeping its ports, so paris's shipper reconnects).
    await start("berlin");
    pointPeerAt("paris", link.berlin);
    await start("paris");
    await proc.berlin!.stop();
    pointPeerAt("berlin", link.paris);
    await start("berlin");
    await caughtUp();
  }, 120_000);

  afterAll(async () => {
    for (const p of Object.values(proc)) await p?.stop();
    if (dir) await removeTempDir(dir);
  });

  it("reports each group's direction in /status, with the site's role as its default and a link each way", async () => {
    const paris = await status("paris");
    expect(paris.role).toBe("production");
    expect(paris.groups.map((g) => [g.name, g.direction])).toEqual([
      ["erp", "production"],
      ["crm", "recovery"],
    ]);
    // Caught up holds at once when nothing was written since berlin's restart, before paris's
    // shipper has reconnected to it: the links are awaited, not assumed.
    await expect
      .poll(async () => (await status("paris")).links.map((l) => [l.name, l.state]), { timeout: 20_000 })
      .toEqual([
        ["paris->berlin", "up"],
        ["berlin->paris", "up"],
      ]);
    const berlin = await status("berlin");
    expect(berlin.role).toBe("recovery");
    expect(berlin.groups.map((g) => [g.name, g.direction])).toEqual([
      ["erp", "recovery"],
      ["crm", "production"],
    ]);
    // A recovery group carries its journal; a production group carries its client-write counters.
    expect(paris.groups[1]!.journal).not.toBeNull();
    expect(paris.groups[0]!.journal).toBeNull();
    expect(paris.groups[0]!.volumes[0]).toHaveProperty("writtenBytesTotal");
  });

  it("replicates qemu-io writes at both sites in both directions, byte-identical", async () => {
    await qemuIo(nbd("paris", "erp-db"), ["write -P 0xa1 0 1M", "write -P 0xa2 3M 512k", "write -P 0xa3 7M 4k"]);
    await qemuIo(nbd("berlin", "crm-db"), ["write -P 0xb1 1M 2M", "write -P 0xb2 6M 64k"]);
    await caughtUp();
    const erp = readFileSync(image("berlin", "erp"));
    expect(erp.equals(readFileSync(image("paris", "erp")))).toBe(true);
    expect(erp.subarray(3 * MiB, 3 * MiB + 512 * 1024).every((b) => b === 0xa2)).toBe(true);
    const crm = readFileSync(image("paris", "crm"));
    expect(crm.equals(readFileSync(image("berlin", "crm")))).toBe(true);
    expect(crm.subarray(6 * MiB, 6 * MiB + 64 * 1024).every((b) => b === 0xb2)).toBe(true);
  });

  it("exports for writing only the volumes of the site's production groups", async () => {
    await qemuIo(nbd("paris", "erp-db"), ["read -P 0xa1 0 1M"]);
    const replica = await runTool("qemu-io", ["-f", "raw", "-c", "read 0 4k", nbd("paris", "crm-db")]);
    expect(replica.code).not.toBe(0);
  });

  it("routes each operation to the group that can do it and refuses the others with 409 naming the group's direction", async () => {
    const refusal = async (res: Response) => ({
      status: res.status,
      error: ((await res.json()) as { error: string }).error,
    });
    expect(await refusal(await api("paris", "POST", "/groups/crm/pause"))).toEqual({
      status: 409,
      error: 'group "crm" is a recovery group on site paris: pausing replication is done at its production site',
    });
    expect(await refusal(await api("paris", "GET", "/groups/erp/points"))).toEqual({
      status: 409,
      error:
        'group "erp" is a production group on site paris: image access (recovery points, images, test failover) is done at its recovery site',
    });
    expect((await refusal(await api("paris", "DELETE", "/groups/erp/source"))).status).toBe(409);
    expect((await api("paris", "GET", "/groups/nope/points")).status).toBe(404);

    const points = await api("paris", "GET", "/groups/crm/points");
    expect(points.status).toBe(200);
    expect(await points.json()).toMatchObject({ group: "crm" });
    expect((await api("berlin", "GET", "/groups/erp/points")).status).toBe(200);

    expect((await api("paris", "POST", "/groups/erp/pause")).status).toBe(200);
    expect((await status("paris")).groups[0]!.state).toBe("paused");
    expect((await api("paris", "POST", "/groups/erp/resume")).status).toBe(200);
    expect((await api("paris", "PUT", "/link/limit", { bytesPerSecond: null })).status).toBe(200);

    for (const [site, group] of [
      ["paris", "erp"],
      ["paris", "crm"],
    ] as const) {
      const made = await api(site, "POST", `/groups/${group}/bookmarks`, { name: `mixed-${group}` });
      expect(made.status).toBe(201);
    }
    await caughtUp();
  });

  it("fails one group over at a time while the other goes on replicating: a failed-over group reverses alone", async () => {
    await qemuIo(nbd("berlin", "crm-db"), ["write -P 0xb3 0 64k"]);
    await caughtUp();
    const res = await api("paris", "POST", "/groups/crm/failover", { time: new Date().toISOString(), note: "mixed" });
    expect(res.status).toBe(201);
    const view = (await res.json()) as { volumes: { uri: string }[] };
    await qemuIo(view.volumes[0]!.uri, ["read -P 0xb3 0 64k", "read -P 0xb2 6M 64k", "write -P 0xc1 0 4k"]);

    const crm = async (site: SiteName) => (await status(site)).groups.find((g) => g.name === "crm")!;
    await waitFor(async () => ((await crm("berlin")).state === "failed-over" ? true : null), {
      timeoutMs: 15_000,
      what: "crm fenced at berlin",
    });
    expect([(await crm("paris")).state, (await crm("paris")).direction]).toEqual(["failed-over", "production"]);

    // erp still replicates from paris to berlin over the same pair of links.
    await qemuIo(nbd("paris", "erp-db"), ["write -P 0xa4 5M 128k"]);
    await waitFor(
      async () => {
        const p = (await status("paris")).groups.find((g) => g.name === "erp")!;
        const r = (await status("berlin")).groups.find((g) => g.name === "erp")!;
        return p.state === "active" && p.rpoSeconds === 0 && r.appliedSeq === p.headSeq ? true : null;
      },
      { timeoutMs: 30_000, what: "erp caught up after crm failed over" },
    );
    expect(readFileSync(image("berlin", "erp")).equals(readFileSync(image("paris", "erp")))).toBe(true);
  });
});
