/**
 * Image access on a Unix socket (`socketDir`): unmodified clients (qemu-io, nbdcopy, nbdinfo) read
 * a point-in-time image and write a test failover through the nbd+unix address exactly as through
 * the TCP one; the socket file goes with the session; a stale socket is replaced and anything else
 * in the way is refused, naming the path, with no session left behind.
 */
import { existsSync } from "node:fs";
import { lstat, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DRILLS_FILE, DrillStore } from "../drills/drill-store.ts";
import { prepareSocketDir } from "../group-sockets.ts";
import { Journal } from "../journal/journal.ts";
import {
  batches,
  expectedImages,
  groupConfig,
  randomWrites,
  removeTempDirs,
  silentLogger,
  tempDir,
} from "../journal/test-support.ts";
import { NbdServer } from "../nbd/server.ts";
import { runToolOk } from "../nbd/test-support.ts";
import { ImageAccess } from "./image-access.ts";

const FIRST_TIMESTAMP = 1_000_000;
const NOW = 2_000_000;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeTempDirs();
});

async function setup() {
  const dir = await tempDir();
  const writes = randomWrites(5, 120, FIRST_TIMESTAMP);
  const journal = await Journal.open({
    dir,
    group: groupConfig(),
    logger: silentLogger,
    segmentBytes: 256 * 1024,
    now: () => FIRST_TIMESTAMP + 1000,
  });
  cleanups.push(() => journal.close());
  for (const b of batches(writes, 5)) await journal.appendBatch(b);
  await journal.catchUp();
  const drills = await DrillStore.open(join(dir, DRILLS_FILE), silentLogger, () => NOW);
  const socketDir = join(dir, "sockets");
  const access = new ImageAccess({
    host: "127.0.0.1",
    socketDir,
    scratchDir: join(dir, "scratch"),
    drills,
    logger: silentLogger,
    rpoOf: () => 0,
    now: () => NOW,
  });
  cleanups.push(() => access.closeAll());
  await prepareSocketDir(socketDir);
  return { dir, writes, journal, access, socketDir, group: { config: groupConfig(), journal } };
}

describe("image access on a Unix socket", () => {
  it("refuses a socket folder it cannot make sockets in at start, naming it", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "file"), "");
    const socketDir = join(dir, "file", "sockets");
    await expect(prepareSocketDir(socketDir)).rejects.toThrow(
      new RegExp(`^imageAccess\\.socketDir ${socketDir}: cannot create Unix sockets there \\(ENOTDIR`),
    );
  });

  it("serves the point to qemu-io, nbdcopy and nbdinfo over nbd+unix, and removes the socket at the end", async () => {
    const { dir, writes, access, socketDir, group } = await setup();
    const seq = 60;
    const view = await access.begin(group, {
      point: { kind: "time", timestamp: FIRST_TIMESTAMP + seq },
      writable: false,
      operator: "test",
      note: "",
    });
    expect(view.point.seq).toBe(seq);
    const socket = join(socketDir, "cg1.sock");
    const expected = expectedImages(writes, seq);
    for (const v of view.volumes) {
      expect(v.unixUri).toBe(`nbd+unix:///${v.name}?socket=${socket}`);
      expect(v.uri).toMatch(/^nbd:\/\/127\.0\.0\.1:\d+\//);
      const model = join(dir, `${v.name}.model`);
      await writeFile(model, expected.get(v.name)!);
      const copy = join(dir, `${v.name}.copy`);
      await runToolOk("nbdcopy", [v.unixUri!, copy]);
      expect((await readFile(copy)).equals(expected.get(v.name)!), `${v.name} copied over the socket`).toBe(true);
      // qemu's own NBD client, comparing every byte with the model.
      await runToolOk("qemu-img", ["compare", "-f", "raw", "-F", "raw", model, v.unixUri!]);
      expect(await runToolOk("nbdinfo", ["--size", v.unixUri!])).toBe(`${expected.get(v.name)!.length}\n`);
    }
    expect(existsSync(socket)).toBe(true);
    await access.end("cg1", { result: "passed" });
    expect(existsSync(socket)).toBe(false);
  });

  it("takes a test failover's writes over the socket and discards them at the end", async () => {
    const { dir, writes, access, group } = await setup();
    const view = await access.begin(group, { point: { kind: "latest" }, writable: true, operator: "test", note: "" });
    const uri = view.volumes[0]!.unixUri!;
    await runToolOk("qemu-io", ["-f", "raw", "-c", "write -P 0x5a 4096 8192", uri]);
    await runToolOk("qemu-io", ["-r", "-f", "raw", "-c", "read -P 0x5a 4096 8192", uri]);
    await access.end("cg1", { result: "passed" });
    const model = join(dir, "model");
    await writeFile(model, expectedImages(writes, view.point.seq).get(view.volumes[0]!.name)!);
    const again = await access.begin(group, { point: { kind: "latest" }, writable: false, operator: "t", note: "" });
    await runToolOk("qemu-img", ["compare", "-f", "raw", "-F", "raw", model, again.volumes[0]!.unixUri!]);
  });

  it("replaces a stale socket file, refuses a live one or any other file there by path and leaves no session", async () => {
    const { access, socketDir, group } = await setup();
    const socket = join(socketDir, "cg1.sock");
    const request = { point: { kind: "latest" as const }, writable: false, operator: "test", note: "" };
    // A process killed while listening leaves its socket file behind, as this bound-then-exited one does.
    await runToolOk("python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socket]);
    expect((await lstat(socket)).isSocket()).toBe(true);
    const replaced = await access.begin(group, request);
    await runToolOk("nbdinfo", ["--size", replaced.volumes[0]!.unixUri!]);
    await access.end("cg1", { result: "passed" });

    // A live listener keeps its socket: a second session must not take it away.
    const live = new NbdServer({ lookup: () => undefined, list: () => [], logger: silentLogger });
    await live.listenUnix(socket);
    await expect(access.begin(group, request)).rejects.toMatchObject({
      status: 409,
      message: `group "cg1": NBD Unix socket ${socket}: another process is listening on it; stop it or choose another path`,
    });
    expect(access.session("cg1")).toBeUndefined();
    await live.close();

    await writeFile(socket, "not a socket");
    await expect(access.begin(group, request)).rejects.toMatchObject({
      status: 409,
      message: `group "cg1": NBD Unix socket ${socket}: a file that is not a socket is in the way; remove it or choose another path`,
    });
    expect(access.session("cg1")).toBeUndefined();
    expect(await readFile(socket, "utf8")).toBe("not a socket");
  });
});
