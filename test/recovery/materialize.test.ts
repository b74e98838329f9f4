/**
 * Materializing a point into image files with real engine processes and the `rpowatch recover`
 * CLI: the file of a bookmark is byte-identical to the NBD image of the same point (nbdcopy), the
 * CLI prints progress, bytes and rate while it runs, and bad requests are refused, overwriting nothing.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageSessionView } from "../../replication/images/image-access.ts";
import type { MaterializeView } from "../../replication/images/materialize.ts";
import type { RecoveryPoints } from "../../replication/images/recovery-point.ts";
import { BIN, EnginePair, qemuIo, runTool } from "../engine/harness.ts";
import { waitFor } from "../support/process.ts";

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");
const VOLUME_BYTES = 16 * 1024 * 1024;

describe("materialize a point into image files", () => {
  let pair: EnginePair;
  let site: string;

  beforeAll(async () => {
    pair = await EnginePair.running();
    site = `http://127.0.0.1:${pair.ports.control.recovery}`;
    await qemuIo(pair.nbdUri, ["write -P 0xaa 0 2M", "write -P 0x5a 12M 1M"]);
    await pair.caughtUp();
    expect((await pair.api("production", "POST", "/groups/g1/bookmarks", { name: "before-b" })).status).toBe(201);
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

  it("writes the bookmark's image byte-identical to the NBD image of that point, printing progress", async () => {
    const out = join(pair.dir, "materialized");
    const r = await runTool(
      process.execPath,
      [
        BIN,
        "recover",
        "materialize",
        "--group",
        "g1",
        "--bookmark",
        "before-b",
        "--out",
        out,
        "--interval",
        "0.05",
        "--site",
        site,
      ],
      60_000,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(join(out, "vol1.img"));
    expect(r.stderr).toMatch(/^materializing g1 at .*bookmark before-b\) into /m);
    expect(r.stderr).toMatch(/^materialize g1: done 100\.0%, 16\.0 of 16\.0 MiB, [\d.]+ MiB\/s$/m);

    const status = (await (await pair.api("recovery", "GET", "/groups/g1/materialize")).json()) as MaterializeView;
    expect(status).toMatchObject({ state: "done", percent: 100, doneBytes: VOLUME_BYTES, totalBytes: VOLUME_BYTES });
    expect(status.etaSeconds).toBeUndefined();
    expect(status.point.bookmark).toBe("before-b");
    expect((await pair.group("recovery")).journal!.pins).toEqual([]);

    // The NBD image of the same point, copied whole by nbdcopy, is the same bytes.
    const res = await pair.api("recovery", "POST", "/groups/g1/image", { bookmark: "before-b" });
    expect(res.status).toBe(201);
    const uri = ((await res.json()) as ImageSessionView).volumes[0]!.uri;
    const copy = join(pair.dir, "nbd-copy.img");
    const c = await runTool("nbdcopy", [uri, copy]);
    expect(c.code, c.stderr).toBe(0);
    expect((await pair.api("recovery", "POST", "/groups/g1/image/end", {})).status).toBe(200);
    expect(sha(join(out, "vol1.img"))).toBe(sha(copy));
    expect((await runTool("cmp", [join(out, "vol1.img"), copy])).code).toBe(0);
    // And it is pattern A, not the B written after the bookmark.
    expect(await qemuIo(join(out, "vol1.img"), ["read -P 0xaa 0 2M", "read -P 0x5a 12M 1M"])).not.toMatch(
      /Pattern verification failed/,
    );
  });

  it("refuses bad requests with a 4xx naming what is wrong and overwrites nothing", async () => {
    const refused = async (body: unknown, group = "g1") => {
      const res = await pair.api("recovery", "POST", `/groups/${group}/materialize`, body);
      return { status: res.status, error: ((await res.json()) as { error: string }).error };
    };
    const out = join(pair.dir, "materialized");
    const before = sha(join(out, "vol1.img"));
    const again = await refused({ latest: true, out });
    expect(again.status).toBe(409);
    expect(again.error).toMatch(/refusing to overwrite .*vol1\.img/);
    expect(sha(join(out, "vol1.img"))).toBe(before);
    expect(await refused({ latest: true, out: "relative/dir" })).toEqual({
      status: 400,
      error: 'out must be an absolute directory path, got "relative/dir"',
    });
    expect((await refused({ latest: true })).error).toMatch(/out must be a directory path/);
    expect((await refused({ bookmark: "never-made", out: join(pair.dir, "m2") })).status).toBe(404);
    expect((await refused({ latest: true, out: join(pair.dir, "m2") }, "nope")).status).toBe(404);
    expect((await refused({ out: join(pair.dir, "m2") })).error).toMatch(/exactly one point/);
    expect((await pair.group("recovery")).journal!.pins).toEqual([]);
  });
});
