/** Standard NBD clients (libnbd, QEMU, fio) against our server with a file backend. */
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runToolOk, startTestServer, type TestNbdServer } from "./test-support.ts";

const MiB = 1024 * 1024;
let t: TestNbdServer;

beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.stop();
});

describe("NBD server interoperability", () => {
  it("nbdinfo reports size and flags, and lists exports", async () => {
    await t.addFileExport("disk", 16 * MiB);
    await t.addFileExport("golden", 4 * MiB, true);
    const info = JSON.parse(await runToolOk("nbdinfo", ["--json", t.uri("disk")]));
    expect(info.protocol).toBe("newstyle-fixed");
    const disk = info.exports[0];
    expect(disk).toMatchObject({
      "export-size": 16 * MiB,
      is_read_only: false,
      can_flush: true,
      can_fua: true,
      can_trim: true,
      can_zero: true,
      can_multi_conn: false,
    });
    const golden = JSON.parse(await runToolOk("nbdinfo", ["--json", t.uri("golden")])).exports[0];
    // Read-only: no writes for a FLUSH to miss, so several connections may share the reads.
    expect(golden).toMatchObject({ "export-size": 4 * MiB, is_read_only: true, can_trim: false, can_multi_conn: true });
    const list = await runToolOk("nbdinfo", ["--list", "--json", `nbd://${t.host}:${t.port}`]);
    expect(
      JSON.parse(list)
        .exports.map((e: { "export-name": string }) => e["export-name"])
        .sort(),
    ).toEqual(["disk", "golden"]);
  });

  it("qemu-io pattern writes land in the image file", async () => {
    const backend = await t.addFileExport("disk", 4 * MiB);
    const expected = Buffer.alloc(4 * MiB);
    const commands: string[] = ["write -P 0xab 0 1M", "read -P 0xab 0 1M"];
    expected.fill(0xab, 0, MiB);
    for (let i = 0; i < 8; i++) {
      const pattern = 1 + ((i * 37) % 254);
      const offset = ((i * 7919) % 1000) * 4096;
      const length = 4096 * (1 + (i % 4));
      commands.push(`write -P ${pattern} ${offset} ${length}`);
      expected.fill(pattern, offset, offset + length);
    }
    commands.push("write -z 3M 64k", "flush");
    expected.fill(0, 3 * MiB, 3 * MiB + 64 * 1024);
    await runToolOk("qemu-io", ["-f", "raw", ...commands.flatMap((c) => ["-c", c]), t.uri("disk")]);
    expect((await readFile(backend.path)).equals(expected)).toBe(true);
  });

  it("nbdcopy in and out round-trips 8 MiB of random data", async () => {
    await t.addFileExport("disk", 8 * MiB);
    const source = join(t.dir, "source.bin");
    const copy = join(t.dir, "copy.bin");
    await writeFile(source, randomBytes(8 * MiB));
    await runToolOk("nbdcopy", [source, t.uri("disk")]);
    await runToolOk("nbdcopy", [t.uri("disk"), copy]);
    await runToolOk("cmp", [source, copy]);
  });

  it("qemu-img convert -n writes a file into the export", async () => {
    const backend = await t.addFileExport("disk", 8 * MiB);
    const source = join(t.dir, "source.bin");
    await writeFile(source, randomBytes(8 * MiB));
    await runToolOk("qemu-img", ["convert", "-n", "-f", "raw", "-O", "raw", source, t.uri("disk")]);
    await runToolOk("cmp", [source, backend.path]);
  });

  it("fio random writes at QD16 verify with crc32c", async () => {
    await t.addFileExport("disk", 16 * MiB);
    const out = await runToolOk("fio", [
      "--name=v",
      "--ioengine=nbd",
      `--uri=${t.uri("disk")}`,
      "--rw=randwrite",
      "--bs=4k",
      "--iodepth=16",
      "--size=8M",
      "--verify=crc32c",
      "--verify_state_save=0",
      "--do_verify=1",
      "--output-format=json",
    ]);
    const job = JSON.parse(out.slice(out.indexOf("{"))).jobs[0];
    expect(job.error).toBe(0);
    expect(job.write.io_bytes).toBe(8 * MiB);
    expect(job.read.io_bytes).toBe(8 * MiB);
  });
});
