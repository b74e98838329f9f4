/**
 * kill -9 of the recovery site during a test failover: on restart the drill is closed as
 * interrupted (it does not count as a passed test), the test's scratch writes are gone, the
 * replica is what replication made it, and `rpowatch drills` lists and exports the record.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrillRecord } from "../../replication/drills/drill-store.ts";
import type { ImageSessionView } from "../../replication/images/image-access.ts";
import { BIN, EnginePair, qemuIo, runTool } from "../engine/harness.ts";

describe("a test failover cut by kill -9", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running();
    await qemuIo(pair.nbdUri, ["write -P 0x5a 0 1M"]);
    await pair.caughtUp();
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("restarts without the session: drill interrupted, scratch gone, replica consistent", async () => {
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

    await pair.kill9("recovery");
    await qemuIo(pair.nbdUri, ["write -P 0x77 2M 64k"]);
    await pair.start("recovery");
    await pair.caughtUp();

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
