/**
 * kill -9 of the recovery site in the middle of a failover's promotion (its record says
 * `promoting`, the replica is being rolled back to the point): the next start finishes the
 * promotion and serves the volume reading exactly the point, the failover's drill is closed as
 * `interrupted` (with no RTO: the volumes were not served before the crash), and `rpowatch drills`
 * lists, shows and exports it as a failover in every format.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrillRecord } from "../../replication/drills/drill-store.ts";
import type { FailoverRecord } from "../../replication/failover/failover-record.ts";
import type { RecoveryPoints } from "../../replication/images/recovery-point.ts";
import { BIN, EnginePair, qemuIo, runTool } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";

/** The record's phase now, or undefined before the failover wrote one. */
function phaseOf(file: string): FailoverRecord["phase"] | undefined {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as FailoverRecord).phase;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

describe("a failover cut by kill -9 during its promotion", () => {
  let pair: EnginePair;
  const site = () => `http://127.0.0.1:${pair.ports.control.recovery}`;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "96MiB" });
    await qemuIo(pair.nbdUri, ["write -P 0xaa 0 64M"], 120_000);
    await pair.caughtUp(120_000);
    expect((await pair.api("production", "POST", "/groups/g1/bookmarks", { name: "a" })).status).toBe(201);
    await waitFor(
      async () => {
        const p = (await (await pair.api("recovery", "GET", "/groups/g1/points")).json()) as RecoveryPoints;
        return p.bookmarks.some((b) => b.name === "a") || null;
      },
      { timeoutMs: 30_000, what: "bookmark a in the recovery journal" },
    );
    // All of it overwritten after the bookmark: the promotion rolls 64 MiB back, long enough to cut.
    await qemuIo(pair.nbdUri, ["write -P 0xbb 0 64M"], 120_000);
    await pair.caughtUp(120_000);
  }, 300_000);

  afterAll(async () => {
    await pair?.close();
  });

  it("finishes the promotion at the next start and closes the drill as interrupted", async () => {
    const record = join(pair.dir, "rec", "groups", "g1", "failover.json");
    const pid = pair.proc.recovery!.pid;
    const request = pair
      .api("recovery", "POST", "/groups/g1/failover", { bookmark: "a", operator: "ops", note: "cut" })
      .then(
        (r) => r.status,
        () => "connection lost",
      );
    // Killed as soon as the promotion is recorded as begun, while the replica is rolled back.
    await waitFor(() => (phaseOf(record) === undefined ? null : true), {
      timeoutMs: 60_000,
      intervalMs: 1,
      what: "the failover record written",
    });
    process.kill(pid, "SIGKILL");
    await pair.kill9("recovery");
    expect(await request).toBe("connection lost");
    expect(phaseOf(record), "the kill came after the promotion ended: nothing was cut").toBe("promoting");

    await pair.start("recovery");
    const g = await waitFor(
      async () => {
        const s = await pair.group("recovery");
        return s.failover?.volumes ? s : null;
      },
      { timeoutMs: 60_000, what: "the promotion finished and the volume served" },
    );
    expect([g.state, g.direction, g.failover!.phase, g.failover!.point?.bookmark]).toEqual([
      "failed-over",
      "production",
      "promoted",
      "a",
    ]);
    expect(phaseOf(record)).toBe("promoted");
    // Rolled back whole, from where the crash left it: exactly the bookmark's data.
    await qemuIo(g.failover!.volumes![0]!.uri, ["read -P 0xaa 0 64M", "read -P 0 64M 32M"], 120_000);

    const drills = (await (await pair.api("recovery", "GET", "/drills")).json()) as DrillRecord[];
    expect(drills).toHaveLength(1);
    const d = drills[0]!;
    expect(d).toMatchObject({ kind: "failover", group: "g1", result: "interrupted", operator: "ops" });
    expect(d.note).toBe("cut; site stopped during the drill");
    expect(d.rtoSeconds).toBeUndefined();
    expect(d.endedAt).toBeGreaterThan(d.startedAt);
  });

  it("lists, shows and exports the failover drill in every format", async () => {
    const drills = (await (await pair.api("recovery", "GET", "/drills")).json()) as DrillRecord[];
    const id = drills[0]!.id;
    const cli = async (...args: string[]) => {
      const r = await runTool(process.execPath, [BIN, "drills", ...args, "--site", site()]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    expect(await cli("list")).toMatch(
      new RegExp(`^${id}  failover  g1  point .* \\(a\\)  started .*  RTO -  interrupted\\n$`),
    );
    expect(JSON.parse(await cli("show", id))).toEqual(drills[0]);
    expect(JSON.parse(await cli("export", "--format", "json"))).toEqual(drills);
    const rows = (await cli("export", "--format", "csv")).trim().split("\r\n");
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatch(
      new RegExp(
        `^${id},failover,g1,default,[^,]+,\\d+,a,[^,]+,,,[\\d.]+,[\\d.]+,[^,]+,interrupted,ops,cut; site stopped during the drill$`,
      ),
    );
    const html = await cli("export", "--format", "html");
    expect(html).toContain(`<td>${id}</td><td>failover</td><td>g1</td>`);
    expect(html).toContain("<td>interrupted</td>");
  });
});
