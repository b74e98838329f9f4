/**
 * The copy-on-write overlay over a read-only file export: clients see their writes, the file below
 * never changes, a spent budget refuses a request whole with ENOSPC and discarding drops every write.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileBackend } from "../nbd/file-backend.ts";
import { runTool, runToolOk, startTestServer, type TestNbdServer } from "../nbd/test-support.ts";
import { ScratchBudget, ScratchOverlay } from "./scratch-overlay.ts";

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("copy-on-write scratch overlay", () => {
  let nbd: TestNbdServer;
  let base: FileBackend;
  let basePath: string;
  let open: ScratchOverlay | undefined;

  beforeEach(async () => {
    nbd = await startTestServer();
    basePath = join(nbd.dir, "base.img");
    const writer = await FileBackend.open({ name: "base", path: basePath, size: 8 * MiB });
    await writer.write(0, [Buffer.alloc(8 * MiB, 0xb0)], true);
    await writer.close();
    base = await FileBackend.open({ name: "vol", path: basePath, readOnly: true });
  });

  afterEach(async () => {
    await open?.discard();
    open = undefined;
    await base.close();
    await nbd.stop();
  });

  async function overlay(capacity: number, blockBytes?: number): Promise<ScratchOverlay> {
    const o = await ScratchOverlay.open(base, {
      path: join(nbd.dir, "vol.scratch"),
      budget: new ScratchBudget(capacity),
      blockBytes,
    });
    nbd.backends.set("vol", o);
    open = o;
    return o;
  }

  it("shows the client its writes, partial blocks merged with the bytes below, and never writes below", async () => {
    const before = sha(readFileSync(basePath));
    const o = await overlay(4 * MiB);
    await runToolOk("qemu-io", [
      "-f",
      "raw",
      "-c",
      "write -P 0x11 1000 3000",
      "-c",
      "write -z 65536 8192",
      nbd.uri("vol"),
    ]);
    const out = await runToolOk("qemu-io", [
      "-f",
      "raw",
      "-c",
      "read -P 0xb0 0 1000",
      "-c",
      "read -P 0x11 1000 3000",
      "-c",
      "read -P 0xb0 4000 61536",
      "-c",
      "read -P 0 65536 8192",
      "-c",
      "read -P 0xb0 73728 1M",
      nbd.uri("vol"),
    ]);
    expect(out).not.toMatch(/Pattern verification failed/);
    // 1000..4000 touches one 4 KiB block; the aligned zeroing takes no scratch.
    expect(o.scratchBytes).toBe(4096);
    expect(sha(readFileSync(basePath))).toBe(before);
  });

  it("refuses a write that would pass the budget with ENOSPC, whole, and keeps what was written", async () => {
    const o = await overlay(64 * 1024);
    await runToolOk("qemu-io", ["-f", "raw", "-c", "write -P 0x22 0 60k", nbd.uri("vol")]);
    const refused = await runTool("qemu-io", ["-f", "raw", "-c", "write -P 0x33 1M 8k", nbd.uri("vol")]);
    expect(refused.stdout + refused.stderr).toMatch(/No space left on device/);
    // The refused request moved nothing: its range still reads the bytes below.
    const out = await runToolOk("qemu-io", [
      "-f",
      "raw",
      "-c",
      "read -P 0x22 0 60k",
      "-c",
      "read -P 0xb0 1M 8k",
      nbd.uri("vol"),
    ]);
    expect(out).not.toMatch(/Pattern verification failed/);
    expect(o.scratchBytes).toBe(60 * 1024);
    // Rewriting blocks it already holds needs no new scratch.
    await runToolOk("qemu-io", ["-f", "raw", "-c", "write -P 0x44 0 60k", nbd.uri("vol")]);
  });

  it("passes fio verify=crc32c with random writes of mixed sizes", async () => {
    await overlay(8 * MiB);
    const r = await runTool(
      "fio",
      [
        "--name=verify",
        "--ioengine=nbd",
        `--uri=${nbd.uri("vol")}`,
        "--rw=randwrite",
        "--bsrange=512-64k",
        "--size=4M",
        "--iodepth=8",
        "--verify=crc32c",
        "--verify_state_save=0",
        "--do_verify=1",
        "--verify_fatal=1",
        "--randrepeat=0",
      ],
      120_000,
    );
    expect(r.stderr).not.toMatch(/verify|bad/i);
    expect(r.code).toBe(0);
  });

  it("discards every write: the scratch file goes and the image below is unchanged", async () => {
    const before = sha(readFileSync(basePath));
    const o = await overlay(4 * MiB);
    await runToolOk("qemu-io", ["-f", "raw", "-c", "write -P 0x55 0 1M", nbd.uri("vol")]);
    nbd.backends.delete("vol");
    open = undefined;
    await o.discard();
    expect(() => readFileSync(join(nbd.dir, "vol.scratch"))).toThrow(/ENOENT/);
    expect(sha(readFileSync(basePath))).toBe(before);
  });
});
