/**
 * Recovery points, image access and test failover with real engine processes, the `rpowatch
 * recover` CLI and unmodified NBD clients (qemu-io, nbdinfo, nbdcopy, fio): an image at a bookmark
 * reads exactly what was written before it while replication goes on; a test failover's writes go
 * to a bounded scratch area and vanish at its end; bad requests are refused and change nothing.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DrillRecord } from "../../replication/drills/drill-store.ts";
import type { ImageSessionView } from "../../replication/images/image-access.ts";
import type { RecoveryPoints } from "../../replication/images/recovery-point.ts";
import { runToolOk } from "../../replication/nbd/test-support.ts";
import { BIN, EnginePair, qemuIo, runTool } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";

/** qemu-io opening the export read-only (`-r`), as a point-in-time image must be. */
const readImage = (uri: string, commands: string[]) =>
  runToolOk("qemu-io", ["-r", "-f", "raw", ...commands.flatMap((c) => ["-c", c]), uri]);
/**
 * One qemu-io process, so one NBD connection, fed one command at a time: what a client that stays
 * connected while the point moves sees. `run` answers the command's output (up to the next prompt).
 */
class QemuIoSession {
  private out = "";
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on("data", (d: Buffer) => {
      this.out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      this.out += d.toString();
    });
    child.once("error", (err) => {
      this.out += `qemu-io did not start (${err.message}); it is in the Debian package qemu-utils`;
    });
  }

  static async open(uri: string): Promise<QemuIoSession> {
    const session = new QemuIoSession(spawn("qemu-io", ["-r", "-f", "raw", uri]));
    await session.prompts(1);
    return session;
  }

  async run(command: string): Promise<string> {
    const before = this.count();
    const from = this.out.length;
    this.child.stdin.write(`${command}\n`);
    await this.prompts(before + 1);
    const output = this.out.slice(from);
    if (/Pattern verification failed|failed:/.test(output)) throw new Error(`qemu-io ${command}: ${output}`);
    return output;
  }

  async quit(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once("exit", resolve));
    this.child.stdin.end("quit\n");
    await exited;
  }

  private count(): number {
    return this.out.split("qemu-io> ").length - 1;
  }

  private prompts(n: number) {
    return waitFor(() => this.count() >= n, {
      timeoutMs: 30_000,
      what: `qemu-io prompt ${n} (output so far: ${JSON.stringify(this.out.slice(-300))})`,
    });
  }
}

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("recovery points, image access and test failover", () => {
  let pair: EnginePair;
  let site: string;

  /** `rpowatch recover …` against the recovery site; returns stdout, fails on a non-zero exit. */
  async function recover(args: string[]): Promise<string> {
    const r = await runTool(process.execPath, [BIN, "recover", ...args, "--site", site], 60_000);
    if (r.code !== 0) throw new Error(`rpowatch recover ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  async function points(): Promise<RecoveryPoints> {
    return JSON.parse(await recover(["points", "--group", "g1", "--json"])) as RecoveryPoints;
  }

  beforeAll(async () => {
    // 1 GiB journal (default) × 0.004 ≈ 4 MiB of scratch for a test failover.
    pair = await EnginePair.running({ groupSettings: ["imageAccessShare: 0.004"] });
    site = `http://127.0.0.1:${pair.ports.control.recovery}`;
    await qemuIo(pair.nbdUri, ["write -P 0xaa 0 2M"]);
    await pair.caughtUp();
    const r = await runTool(
      process.execPath,
      [
        BIN,
        "recover",
        "bookmark",
        "--group",
        "g1",
        "--name",
        "before-b",
        "--site",
        `http://127.0.0.1:${pair.ports.control.production}`,
      ],
      30_000,
    );
    expect(r.code, r.stderr).toBe(0);
    // The production site's bookmark reaches the recovery journal with the next shipment.
    await waitFor(
      async () => {
        const p = (await (await pair.api("recovery", "GET", "/groups/g1/points")).json()) as RecoveryPoints;
        return p.bookmarks.some((b) => b.name === "before-b") || null;
      },
      { timeoutMs: 30_000, what: "bookmark before-b in the recovery journal" },
    );
    await qemuIo(pair.nbdUri, ["write -P 0xbb 0 1M"]);
    await pair.caughtUp();
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("lists the window and the bookmarks the journal holds", async () => {
    const p = await points();
    const g = await pair.group("recovery");
    expect(p.newest.seq).toBe(g.durableSeq);
    expect(p.newest.timestamp).toBe(g.journal!.newestRecoverableTimestamp);
    expect(p.oldest.timestamp).toBe(g.journal!.oldestRecoverableTimestamp);
    const b = p.bookmarks.find((m) => m.name === "before-b")!;
    expect(b.seq).toBeGreaterThan(p.oldest.seq);
    expect(b.seq).toBeLessThan(p.newest.seq);
    const text = await recover(["points", "--group", "g1"]);
    expect(text).toMatch(/recoverable from .* to .*seq/);
    expect(text).toMatch(/before-b/);
  });

  it("serves the image at a bookmark read-only: exactly pattern A, while replication goes on", async () => {
    const uris = (await recover(["image", "--group", "g1", "--bookmark", "before-b"])).trim().split("\n");
    expect(uris).toHaveLength(1);
    expect(uris[0]).toMatch(/^nbd:\/\/127\.0\.0\.1:\d+\/vol1$/);
    const info = await runTool("nbdinfo", ["--json", uris[0]!]);
    expect(JSON.parse(info.stdout).exports[0]["export-size"]).toBe(16 * 1024 * 1024);
    expect(JSON.parse(info.stdout).exports[0].is_read_only).toBe(true);
    // Writes go on at production and are distributed over the replica the image reads from.
    await qemuIo(pair.nbdUri, ["write -P 0xcc 0 512k"]);
    const g = await pair.caughtUp();
    expect((await pair.group("recovery")).appliedSeq).toBe(g.headSeq);
    const out = await readImage(uris[0]!, ["read -P 0xaa 0 2M", "read -P 0 2M 1M"]);
    // The session reads under a pin on the bookmark's seq (retention keeps what it reads), not a lock.
    const bookmark = (await points()).bookmarks.find((b) => b.name === "before-b")!;
    expect((await pair.group("recovery")).journal!.pins.map((p) => p.seq)).toEqual([bookmark.seq]);
    expect(out).not.toMatch(/Pattern verification failed/);
    const denied = await runTool("qemu-io", ["-f", "raw", "-c", "write -P 1 0 4k", uris[0]!]);
    expect(denied.code).not.toBe(0);
    // A second image of the same group is refused while this one is on, and this one stays usable.
    const second = await pair.api("recovery", "POST", "/groups/g1/image", { latest: true });
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: string }).error).toMatch(/already has image access on; move a read-only/);
    expect(await readImage(uris[0]!, ["read -P 0xaa 0 4k"])).not.toMatch(/Pattern verification failed/);
    expect(await recover(["image-end", "--group", "g1"])).toMatch(/image access of g1 ended/);
    expect((await pair.group("recovery")).journal!.pins).toEqual([]);
    expect((await runTool("qemu-io", ["-r", "-f", "raw", "-c", "read 0 4k", uris[0]!])).code).not.toBe(0);
  });

  it("serves the latest image: pattern C over B over A, copied whole by nbdcopy", async () => {
    const res = await pair.api("recovery", "POST", "/groups/g1/image", { latest: true });
    expect(res.status).toBe(201);
    const uri = ((await res.json()) as ImageSessionView).volumes[0]!.uri;
    const out = await readImage(uri, ["read -P 0xcc 0 512k", "read -P 0xbb 512k 512k", "read -P 0xaa 1M 1M"]);
    expect(out).not.toMatch(/Pattern verification failed/);
    const copy = join(pair.dir, "latest.img");
    const r = await runTool("nbdcopy", [uri, copy]);
    expect(r.code, r.stderr).toBe(0);
    expect(sha(copy)).toBe(sha(pair.image("recovery")));
    expect((await pair.api("recovery", "POST", "/groups/g1/image/end", {})).status).toBe(200);
  });

  it("moves a read-only image to another point in place: one qemu-io connection reads A at the bookmark, then the latest, then A again", async () => {
    const [uri] = (await recover(["image", "--group", "g1", "--bookmark", "before-b"])).trim().split("\n");
    const client = await QemuIoSession.open(uri!);
    try {
      expect(await client.run("read -P 0xaa 0 2M")).toMatch(/^read 2097152\/2097152 bytes/m);
      const moved = await recover(["image-move", "--group", "g1", "--latest"]);
      expect(moved).toMatch(/image access of g1 now at .*seq/);
      const latest = await points();
      // The session holds the new point only: the old pin went with its last read.
      expect((await pair.group("recovery")).journal!.pins.map((p) => p.seq)).toEqual([latest.newest.seq]);
      for (const read of ["read -P 0xcc 0 512k", "read -P 0xbb 512k 512k", "read -P 0xaa 1M 1M"])
        expect(await client.run(read), read).toMatch(/^read \d+\/\d+ bytes/m);
      const back = await pair.api("recovery", "POST", "/groups/g1/image/move", { bookmark: "before-b" });
      expect(back.status).toBe(200);
      const view = (await back.json()) as ImageSessionView;
      expect(view.point.bookmark).toBe("before-b");
      expect(view.volumes[0]!.uri).toBe(uri);
      expect(view.movedAt).toBeGreaterThanOrEqual(view.startedAt);
      expect(await client.run("read -P 0xaa 0 2M")).toMatch(/^read 2097152\/2097152 bytes/m);
    } finally {
      await client.quit();
    }
    // A point outside the window is refused and the session stays where it was.
    const refused = await pair.api("recovery", "POST", "/groups/g1/image/move", { time: "2001-01-01T00:00:00Z" });
    expect(refused.status).toBe(400);
    expect(
      ((await pair.api("recovery", "GET", "/groups/g1/image").then((r) => r.json())) as ImageSessionView).point
        .bookmark,
    ).toBe("before-b");
    expect(await recover(["image-end", "--group", "g1"])).toMatch(/image access of g1 ended/);
    const none = await pair.api("recovery", "POST", "/groups/g1/image/move", { latest: true });
    expect(none.status).toBe(404);
    expect(((await none.json()) as { error: string }).error).toMatch(/has no image access on/);
  });

  it("runs a test failover: fio verify passes, a full scratch area refuses with ENOSPC, the end discards it all", async () => {
    const replicaBefore = sha(pair.image("recovery"));
    const view = JSON.parse(
      await recover([
        "image",
        "--group",
        "g1",
        "--bookmark",
        "before-b",
        "--writable",
        "--operator",
        "ops-anna",
        "--note",
        "monthly test",
        "--json",
      ]),
    ) as ImageSessionView;
    const uri = view.volumes[0]!.uri;
    expect(view.writable).toBe(true);
    expect(view.scratch).toEqual({ capacityBytes: Math.floor(0.004 * 1024 ** 3), usedBytes: 0 });
    const fio = await runTool("fio", [
      "--name=drill",
      "--ioengine=nbd",
      `--uri=${uri}`,
      "--rw=randwrite",
      "--bs=4k",
      "--size=1M",
      "--iodepth=8",
      "--verify=crc32c",
      "--verify_state_save=0",
      "--do_verify=1",
      "--verify_fatal=1",
    ]);
    expect(fio.code, fio.stderr).toBe(0);
    // Its writes were made against the bookmark: the point cannot move under them.
    const move = await pair.api("recovery", "POST", "/groups/g1/image/move", { latest: true });
    expect(move.status).toBe(409);
    expect(((await move.json()) as { error: string }).error).toMatch(
      /runs a test failover .* cannot move; end it \(image-end\) and start a new one/,
    );
    // The test sees its own writes over the point's data.
    expect(await qemuIo(uri, ["read -P 0xaa 1M 1M"])).not.toMatch(/Pattern verification failed/);
    const during = (await pair.group("recovery")).recovery!;
    expect(during.imageAccess.mode).toBe("test-failover");
    expect(during.imageAccess.scratchUsedBytes).toBe(1024 * 1024);
    // Past the share the request is refused whole.
    const full = await runTool("qemu-io", ["-f", "raw", "-c", "write -P 0x77 4M 4M", uri]);
    expect(full.stdout + full.stderr).toMatch(/No space left on device/);
    expect(await qemuIo(uri, ["read -P 0 4M 4M"])).not.toMatch(/Pattern verification failed/);
    // Replication goes on during the test and its RPO is still measured.
    await qemuIo(pair.nbdUri, ["write -P 0xdd 8M 64k"]);
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
    const replicaDuring = sha(pair.image("recovery"));
    expect(replicaDuring).not.toBe(replicaBefore);

    const end = JSON.parse(await recover(["image-end", "--group", "g1", "--json"])) as { drill: DrillRecord };
    expect(end.drill.result).toBe("passed");
    expect(end.drill.operator).toBe("ops-anna");
    expect(end.drill.point.bookmark).toBe("before-b");
    expect(end.drill.rtoSeconds).toBeGreaterThan(0);
    console.log(`test failover: measured RTO ${(end.drill.rtoSeconds! * 1000).toFixed(1)} ms`);
    // Nothing of the test reached the replica: it changed only by replication.
    expect(sha(pair.image("recovery"))).toBe(replicaDuring);
    expect(pair.imagesIdentical()).toBe(true);
    const after = (await pair.group("recovery")).recovery!;
    expect(after.imageAccess).toEqual({ mode: "off" });
    expect(after.lastTestFailoverTimestamp).toBe(end.drill.endedAt);
    expect(after.lastDrillRtoSeconds).toBe(end.drill.rtoSeconds);
  });

  it("refuses bad requests with a 4xx naming what is wrong and changes nothing", async () => {
    const refused = async (body: unknown, group = "g1") => {
      const res = await pair.api("recovery", "POST", `/groups/${group}/image`, body);
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    expect(await refused({ latest: true }, "nope")).toEqual({ status: 404, error: 'no group "nope" on this site' });
    expect(await refused({ bookmark: "never-made" })).toEqual({
      status: 404,
      error: 'no bookmark "never-made" in the recoverable window',
    });
    const early = await refused({ time: "2001-01-01T00:00:00Z" });
    expect(early.status).toBe(400);
    expect(early.error).toMatch(/time 2001-01-01T00:00:00.000Z is outside the window/);
    expect((await refused({ time: "yesterday" })).status).toBe(400);
    expect((await refused({ latest: true, bookmark: "before-b" })).error).toMatch(/exactly one point/);
    expect((await refused({ latest: true, colour: "red" })).error).toMatch(/unknown field\(s\) colour/);
    const end = await pair.api("recovery", "POST", "/groups/g1/image/end", {});
    expect(end.status).toBe(404);
    const onProduction = await pair.api("production", "GET", "/groups/g1/points");
    expect(onProduction.status).toBe(409);
    expect((await pair.group("recovery")).recovery!.imageAccess).toEqual({ mode: "off" });
    const drills = (await (await pair.api("recovery", "GET", "/drills")).json()) as DrillRecord[];
    expect(drills.map((d) => d.result)).toEqual(["passed"]);
  });
});
