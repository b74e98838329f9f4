/**
 * kill -9 of the recovery site during a test failover: on restart the drill is closed as
 * interrupted (it does not count as a passed test), the test's scratch writes are gone, so is the
 * session's Unix socket (and any other socket of the group nothing listens on), the replica is
 * what replication made it, and `rpowatch drills` lists and exports the record.
 */

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrillRecord } from "../../replication/drills/drill-store.ts";
import type { ImageSessionView } from "../../replication/images/image-access.ts";
import { BIN, EnginePair, qemuIo, runTool } from "../engine/harness.ts";

/** Leaves a Unix socket file at `path` that nothing listens on: a process listening there, killed with -9. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, [
    "-e",
    "require('node:net').createServer().listen(process.argv[1], () => console.log('listening'))",
    path,
  ]);
  await new Promise((resolve) => child.stdout.once("data", resolve));
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
}

describe("a test failover cut by kill -9", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ socketDirs: true });
    await qemuIo(pair.nbdUri, ["write -P 0x5a 0 1M"]);
    await pair.caughtUp();
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("restarts without the session: drill interrupted, scratch and stale sockets gone, replica consistent", async () => {
    const res = await pair.api("recovery", "POST", "/groups/g1/image", {
      latest: true,
      writable: true,
      operator: "ops",
    });
    expect(res.status).toBe(201);
    const view = (await res.json()) as ImageSessionView;
    await qemuIo(view.volumes[0]!.uri, ["write -P 0x66 0 256k"]);
    const scratch = join(pair.dir, "rec", "image-scratch", "g1", "vol1.scratch");
    expect(existsSync(scratch)).toBe(true);

    const sockets = pair.socketDir("recovery");
    await pair.kill9("recovery");
    expect((await lstat(join(sockets, "g1.sock"))).isSocket(), "a kill -9 leaves the session's socket").toBe(true);
    // A stale promoted socket too, as a kill -9 of a site serving promoted volumes leaves one.
    await staleSocket(join(sockets, "g1.promoted.sock"));
    expect((await readdir(sockets)).sort()).toEqual(["g1.promoted.sock", "g1.sock"]);
    await qemuIo(pair.nbdUri, ["write -P 0x77 2M 64k"]);
    await pair.start("recovery");
    await pair.caughtUp();

    expect(await readdir(sockets)).toEqual([]);
    expect(existsSync(scratch)).toBe(false);
    expect(pair.imagesIdentical()).toBe(true);
    const g = await pair.group("recovery");
    expect(g.recovery?.imageAccess).toEqual({ mode: "off" });
    expect(g.recovery?.lastTestFailoverTimestamp).toBeUndefined();
    expect(g.lastTestFailoverTimestamp).toBeUndefined();
    expect(g.recovery?.lastDrillRtoSeconds).toBeGreaterThan(0);
    const drills = (await (await pair.api("recovery", "GET", "/drills")).json()) as DrillRecord[];
    expect(drills).toHaveLength(1);
    expect(drills[0]).toMatchObject({ id: view.drill, result: "interrupted", operator: "ops", group: "g1" });
    expect(drills[0]!.endedAt).toBeGreaterThan(drills[0]!.startedAt);

    const site = `http://127.0.0.1:${pair.ports.control.recovery}`;
    const list = await runTool(process.execPath, [BIN, "drills", "list", "--site", site]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${view.drill}  test-failover  g1  point .* interrupted$`, "m"));
    const csv = await runTool(process.execPath, [BIN, "drills", "export", "--format", "csv", "--site", site]);
    expect(csv.code, csv.stderr).toBe(0);
    const rows = csv.stdout.trim().split("\r\n");
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(new RegExp(`^${view.drill},test-failover,g1,default,`));
  });
});
