/**
 * A recovery site with `imageAccess.socketDir` serves the volumes a failover promoted on a Unix
 * socket of the group's own too, `<socketDir>/<group>.promoted.sock`: `rpowatch recover failover
 * --unix` prints its nbd+unix addresses (`--json` and the status carry them beside the TCP ones),
 * qemu-io writes and reads through it and nbdinfo lists the export; a kill -9 leaves a stale socket
 * that the restart replaces; a restart that finds the path held by another process (nbdkit) or a
 * plain file serves the volumes over TCP only, says why in the status and leaves the path alone,
 * and the next start with the path free listens on it again; reprotect and a stop of the site
 * remove it; and a failover is refused, changing nothing, while something else holds the path.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNbdkit, stop } from "../../bench/nbdkit.ts";
import { freePorts } from "../../lib/ports.ts";
import type { FailoverView } from "../../replication/failover/failover.ts";
import { silentLogger } from "../../replication/journal/test-support.ts";
import { NbdServer } from "../../replication/nbd/server.ts";
import { runToolOk } from "../../replication/nbd/test-support.ts";
import { BIN, EnginePair, qemuIo, runTool } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";

describe("promoted volumes on the recovery site's Unix socket", () => {
  let pair: EnginePair;
  let socketDir: string;
  /** Another process's NBD server on g1's promoted socket path. */
  let nbdkit: ChildProcess | undefined;
  const socketOf = (group: string) => join(socketDir, `${group}.promoted.sock`);

  async function failoverCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const site = `http://127.0.0.1:${pair.ports.control.recovery}`;
    return runTool(process.execPath, [BIN, "recover", "failover", "--latest", ...args, "--site", site], 60_000);
  }

  /** The group's promoted volumes as the recovery site's status has them, once served. */
  async function served(group: string) {
    return waitFor(
      async () => {
        const g = await pair.group("recovery", group);
        return g.failover?.phase === "promoted" && g.failover.volumes ? g.failover.volumes : null;
      },
      { timeoutMs: 30_000, what: `${group}'s promoted volumes served at rec-b` },
    );
  }

  beforeAll(async () => {
    const [reverseLinkPort] = await freePorts(1);
    pair = await EnginePair.create({ secondGroup: true, reverseLinkPort, socketDirs: true });
    socketDir = pair.socketDir("recovery");
    await pair.start("recovery");
    await pair.start("production");
    await qemuIo(pair.nbdUri, ["write -P 0xaa 0 2M"]);
    await qemuIo(`nbd://127.0.0.1:${pair.ports.nbd}/vol2`, ["write -P 0xbb 0 2M"]);
    await pair.caughtUp(60_000, "configured", "g1");
    await pair.caughtUp(60_000, "configured", "g2");
  }, 120_000);

  afterAll(async () => {
    if (nbdkit) await stop(nbdkit);
    await pair?.close();
  });

  it("refuses a failover while another process listens on the path or another file is there, naming it and changing nothing", async () => {
    const path = socketOf("g1");
    const live = new NbdServer({ lookup: () => undefined, list: () => [], logger: silentLogger });
    await live.listenUnix(path);
    try {
      const run = await failoverCli(["--group", "g1"]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toBe(
        `rpowatch: POST /groups/g1/failover: 409 group "g1": NBD Unix socket ${path}: another process is listening on it; stop it or choose another path\n`,
      );
    } finally {
      await live.close();
    }
    await writeFile(path, "not a socket");
    const res = await pair.api("recovery", "POST", "/groups/g1/failover", { latest: true });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toBe(
      `group "g1": NBD Unix socket ${path}: a file that is not a socket is in the way; remove it or choose another path`,
    );
    expect(await readFile(path, "utf8")).toBe("not a socket");
    // Nothing changed: the group still replicates, no failover was recorded or drilled.
    const g = await pair.group("recovery", "g1");
    expect([g.state, g.direction, g.failover]).toEqual(["active", "recovery", undefined]);
    const drills = (await (await pair.api("recovery", "GET", "/drills")).json()) as { kind: string }[];
    expect(drills.filter((d) => d.kind === "failover")).toEqual([]);
    await rm(path);
  });

  it("prints the nbd+unix address with --unix, and qemu-io writes and reads the promoted volume through it", async () => {
    const run = await failoverCli(["--group", "g1", "--unix"]);
    expect(run.code, run.stderr).toBe(0);
    const uri = `nbd+unix:///vol1?socket=${socketOf("g1")}`;
    expect(run.stdout).toBe(`${uri}\n`);
    expect(await served("g1")).toEqual([
      { name: "vol1", uri: expect.stringMatching(/^nbd:\/\/127\.0\.0\.1:\d+\/vol1$/), unixUri: uri },
    ]);
    await qemuIo(uri, ["read -P 0xaa 0 2M", "write -P 0x5a 4M 1M"]);
    await qemuIo(uri, ["read -P 0x5a 4M 1M"]);
    expect(await runToolOk("nbdinfo", ["--list", uri])).toMatch(/export="vol1"/);
    // One set of volumes, two ways in: the TCP address reads the same write.
    const [tcp] = await served("g1");
    await qemuIo(tcp!.uri, ["read -P 0x5a 4M 1M"]);
  });

  it("answers --json with both addresses of each volume", async () => {
    const run = await failoverCli(["--group", "g2", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const view = JSON.parse(run.stdout) as FailoverView;
    expect(view.volumes).toEqual([
      {
        name: "vol2",
        uri: expect.stringMatching(/^nbd:\/\/127\.0\.0\.1:\d+\/vol2$/),
        unixUri: `nbd+unix:///vol2?socket=${socketOf("g2")}`,
      },
    ]);
    await qemuIo(view.volumes[0]!.unixUri!, ["read -P 0xbb 0 2M"]);
  });

  it("replaces the stale socket a kill -9 left behind: the restarted site serves the same address", async () => {
    await pair.kill9("recovery");
    expect((await lstat(socketOf("g1"))).isSocket(), "a kill -9 leaves the socket file").toBe(true);
    await pair.start("recovery");
    const uri = `nbd+unix:///vol1?socket=${socketOf("g1")}`;
    expect((await served("g1"))[0]!.unixUri).toBe(uri);
    await qemuIo(uri, ["read -P 0xaa 0 2M", "read -P 0x5a 4M 1M", "write -P 0x6b 8M 64k"]);
    await qemuIo(uri, ["read -P 0x6b 8M 64k"]);
    expect(await runToolOk("nbdinfo", ["--list", uri])).toMatch(/export="vol1"/);
  });

  it("serves over TCP only when a restart finds the path held by another process or a plain file, says why in the status, and leaves it alone", async () => {
    const [g1Before, g2Before] = [await served("g1"), await served("g2")];
    await pair.kill9("recovery");
    // While rec-b is down, nbdkit (serving a file of 0x77) takes g1's path and a plain file g2's.
    await rm(socketOf("g1"));
    await rm(socketOf("g2"));
    const other = join(pair.dir, "other.img");
    await writeFile(other, Buffer.alloc(1024 * 1024, 0x77));
    const held = await startNbdkit(other, { readOnly: true, unixSocket: socketOf("g1") });
    nbdkit = held.process;
    await writeFile(socketOf("g2"), "not a socket");
    await pair.start("recovery");

    const tcpOnly = (path: string, obstacle: string) =>
      `the promoted volumes are served over TCP only: NBD Unix socket ${path}: ${obstacle}, then restart the site`;
    const g1 = (await pair.group("recovery", "g1")).failover!;
    expect(g1.phase).toBe("promoted");
    expect(g1.volumes, "g1: its TCP address, and no unixUri").toEqual([{ name: "vol1", uri: g1Before[0]!.uri }]);
    expect(g1.unixSocketError).toBe(
      tcpOnly(socketOf("g1"), "another process is listening on it; stop it or choose another path"),
    );
    const g2 = (await pair.group("recovery", "g2")).failover!;
    expect(g2.volumes, "g2: its TCP address, and no unixUri").toEqual([{ name: "vol2", uri: g2Before[0]!.uri }]);
    expect(g2.unixSocketError).toBe(
      tcpOnly(socketOf("g2"), "a file that is not a socket is in the way; remove it or choose another path"),
    );
    expect(pair.logs()).toContain("the promoted volumes are served over TCP only, their Unix socket path is taken");

    // The promoted volumes are served, writable, over TCP.
    await qemuIo(g1.volumes![0]!.uri, ["read -P 0xaa 0 2M", "read -P 0x6b 8M 64k", "write -P 0x7c 12M 64k"]);
    await qemuIo(g1.volumes![0]!.uri, ["read -P 0x7c 12M 64k"]);
    expect(await runToolOk("nbdinfo", ["--list", g1.volumes![0]!.uri])).toMatch(/export="vol1"/);
    await qemuIo(g2.volumes![0]!.uri, ["read -P 0xbb 0 2M"]);
    // The path's other owners are untouched: nbdkit still serves its own file there, the file is as it was.
    await runToolOk("qemu-io", ["-r", "-f", "raw", "-c", "read -P 0x77 0 1M", held.uri]);
    expect(await readFile(socketOf("g2"), "utf8")).toBe("not a socket");
  });

  it("listens on the socket again at the next start once the path is free, and the status drops the error", async () => {
    await stop(nbdkit!);
    nbdkit = undefined;
    await rm(socketOf("g2"));
    await pair.kill9("recovery");
    await pair.start("recovery");
    for (const [group, volume] of [
      ["g1", "vol1"],
      ["g2", "vol2"],
    ]) {
      const f = (await pair.group("recovery", group)).failover!;
      expect(f.volumes![0]!.unixUri, group).toBe(`nbd+unix:///${volume}?socket=${socketOf(group!)}`);
      expect(f.unixSocketError, group).toBeUndefined();
    }
    await qemuIo((await served("g1"))[0]!.unixUri!, ["read -P 0x7c 12M 64k", "read -P 0xaa 0 2M"]);
  });

  it("removes the socket when reprotect turns the group, and when the site stops", async () => {
    await waitFor(async () => (await pair.api("recovery", "POST", "/groups/g1/reprotect", {})).status === 202 || null, {
      timeoutMs: 30_000,
      what: "reprotect of g1 accepted",
    });
    await waitFor(async () => ((await pair.group("recovery", "g1")).direction === "production" ? true : null), {
      timeoutMs: 30_000,
      what: "g1 production at rec-b after its reprotect",
    });
    expect(existsSync(socketOf("g1")), "g1's promoted socket after reprotect").toBe(false);
    expect(existsSync(socketOf("g2")), "g2 is still promoted").toBe(true);

    await pair.proc.recovery!.stop();
    pair.proc.recovery = null;
    expect(existsSync(socketOf("g2")), "g2's promoted socket after the site stopped").toBe(false);
  });
});
