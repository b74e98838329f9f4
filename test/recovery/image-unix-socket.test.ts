/**
 * A recovery site with `imageAccess.socketDir` serves its images on a Unix socket too: `rpowatch
 * recover image --unix` prints nbd+unix addresses that qemu-io and nbdcopy read unmodified, the TCP
 * addresses stay, and the socket goes with the session.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ImageSessionView } from "../../replication/images/image-access.ts";
import { runToolOk } from "../../replication/nbd/test-support.ts";
import { BIN, EnginePair, qemuIo, runTool } from "../engine/harness.ts";

const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("image access on the recovery site's Unix socket", () => {
  let pair: EnginePair;
  let site: string;
  let socketDir: string;

  async function recover(args: string[]): Promise<{ stdout: string; stderr: string }> {
    const r = await runTool(process.execPath, [BIN, "recover", ...args, "--site", site], 60_000);
    if (r.code !== 0) throw new Error(`rpowatch recover ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
    return r;
  }

  beforeAll(async () => {
    pair = await EnginePair.create({ socketDirs: true });
    socketDir = pair.socketDir("recovery");
    await pair.start("recovery");
    await pair.start("production");
    await pair.caughtUp();
    site = `http://127.0.0.1:${pair.ports.control.recovery}`;
    await qemuIo(pair.nbdUri, ["write -P 0xaa 0 2M", "write -P 0x3c 5M 1M"]);
    await pair.caughtUp();
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("prints nbd+unix addresses that qemu-io and nbdcopy read, beside the TCP ones", async () => {
    const { stdout } = await recover(["image", "--group", "g1", "--latest", "--unix"]);
    const socket = join(socketDir, "g1.sock");
    expect(stdout).toBe(`nbd+unix:///vol1?socket=${socket}\n`);
    const uri = stdout.trim();
    await runToolOk("qemu-io", ["-r", "-f", "raw", "-c", "read -P 0xaa 0 2M", "-c", "read -P 0x3c 5M 1M", uri]);
    const copy = join(pair.dir, "copy.img");
    await runToolOk("nbdcopy", [uri, copy]);
    expect(sha(copy)).toBe(sha(pair.image("production")));

    const view = (await (await pair.api("recovery", "GET", "/groups/g1/image")).json()) as ImageSessionView;
    expect(view.volumes).toEqual([
      { name: "vol1", uri: expect.stringMatching(/^nbd:\/\/127\.0\.0\.1:\d+\/vol1$/), unixUri: uri },
    ]);
    await runToolOk("qemu-io", ["-r", "-f", "raw", "-c", "read -P 0xaa 0 2M", view.volumes[0]!.uri]);

    await recover(["image-end", "--group", "g1"]);
    expect(existsSync(socket)).toBe(false);
  });
});

describe("recover image --unix on a site without imageAccess.socketDir", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running();
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("says the site serves TCP only and prints the nbd:// addresses", async () => {
    const site = `http://127.0.0.1:${pair.ports.control.recovery}`;
    const r = await runTool(
      process.execPath,
      [BIN, "recover", "image", "--group", "g1", "--latest", "--unix", "--site", site],
      60_000,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("the site serves images over TCP only (no imageAccess.socketDir in its site file)");
    expect(r.stdout).toMatch(/^nbd:\/\/127\.0\.0\.1:\d+\/vol1\n$/);
    const view = (await (await pair.api("recovery", "GET", "/groups/g1/image")).json()) as ImageSessionView;
    expect(view.volumes[0]!.unixUri).toBeUndefined();
  });
});
