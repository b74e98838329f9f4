/** Our NBD client against our server: pipelining, flush ordering, errors. */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NbdExportBackend } from "./backend.ts";
import { NbdClient, NbdHandshakeError, NbdRequestError } from "./client.ts";
import { Errno } from "./protocol.ts";
import { startTestServer, type TestNbdServer } from "./test-support.ts";

const MiB = 1024 * 1024;
let t: TestNbdServer;

beforeEach(async () => {
  t = await startTestServer();
});
afterEach(async () => {
  await t.stop();
});

const connect = (exportName: string) => NbdClient.connect({ host: t.host, port: t.port, exportName });

describe("NbdClient with NbdServer", () => {
  it("round-trips pipelined writes and reads", async () => {
    const backend = await t.addFileExport("disk", 4 * MiB);
    const client = await connect("disk");
    expect(client.size).toBe(4 * MiB);
    const blocks = Array.from({ length: 64 }, (_, i) => ({ offset: i * 64 * 1024, data: randomBytes(16 * 1024 + i) }));
    const writes = blocks.map((b) => client.write(b.offset, b.data));
    expect(client.inFlight).toBe(64);
    await Promise.all(writes);
    const reads = await Promise.all(blocks.map((b) => client.read(b.offset, b.data.length)));
    reads.forEach((r, i) => {
      expect(r.equals(blocks[i]!.data)).toBe(true);
    });
    await client.writeZeroes(0, 4096, { fua: true, noHole: true });
    await client.trim(64 * 1024, 4096);
    expect((await client.read(0, 4096)).equals(Buffer.alloc(4096))).toBe(true);
    expect((await client.read(64 * 1024, 4096)).equals(Buffer.alloc(4096))).toBe(true);
    await client.flush();
    await client.disconnect();
    const image = await readFile(backend.path);
    expect(image.subarray(128 * 1024, 128 * 1024 + blocks[2]!.data.length).equals(blocks[2]!.data)).toBe(true);
  });

  it("FLUSH waits for every write accepted before it, then flushes the backend", async () => {
    const events: string[] = [];
    // A backend whose writes complete slowly and out of order, recording when the flush runs.
    const slow: NbdExportBackend = {
      name: "slow",
      size: MiB,
      readOnly: false,
      read: async (_o, n) => Buffer.alloc(n),
      write: async (offset) => {
        await new Promise((r) => setTimeout(r, 40 - offset / 4096));
        events.push(`write ${offset / 4096}`);
      },
      flush: async () => {
        events.push("flush");
      },
      trim: async () => {},
      writeZeroes: async () => {},
    };
    t.backends.set("slow", slow);
    const client = await connect("slow");
    const writes = [0, 1, 2, 3].map((i) => client.write(i * 4096, Buffer.alloc(4096, i)));
    await client.flush();
    expect(events.at(-1)).toBe("flush");
    expect(events.filter((e) => e.startsWith("write"))).toHaveLength(4);
    await Promise.all(writes);
    await client.disconnect();
  });

  it("close() drops clients but resolves only after started backend calls have settled", async () => {
    let running = 0;
    let finished = 0;
    const slow: NbdExportBackend = {
      name: "slow",
      size: MiB,
      readOnly: false,
      read: async (_o, n) => Buffer.alloc(n),
      write: async () => {
        running++;
        await new Promise((r) => setTimeout(r, 50));
        finished++;
      },
      flush: async () => {},
      trim: async () => {},
      writeZeroes: async () => {},
    };
    t.backends.set("slow", slow);
    const client = await connect("slow");
    const outcomes = [0, 1, 2].map((i) =>
      client.write(i * 4096, Buffer.alloc(4096)).then(
        () => "answered",
        (err: Error) => err.message,
      ),
    );
    while (running < 3) await new Promise((r) => setTimeout(r, 5));
    await t.server.close();
    expect(finished).toBe(3);
    expect(await Promise.all(outcomes)).toEqual(["connection closed", "connection closed", "connection closed"]);
  });

  it("answers bad requests with NBD errors and keeps the session", async () => {
    await t.addFileExport("disk", MiB);
    await t.addFileExport("golden", MiB, true);
    const client = await connect("disk");
    await expect(client.read(MiB - 4096, 8192)).rejects.toMatchObject({ errno: Errno.EINVAL });
    await expect(client.write(MiB, Buffer.alloc(512))).rejects.toBeInstanceOf(NbdRequestError);
    await expect(client.read(0, 0)).rejects.toMatchObject({ errno: Errno.EINVAL });
    expect((await client.read(0, 512)).length).toBe(512);
    await client.disconnect();

    const readOnly = await connect("golden");
    expect(readOnly.readOnly).toBe(true);
    await expect(readOnly.write(0, Buffer.alloc(512))).rejects.toMatchObject({ errno: Errno.EPERM });
    await expect(readOnly.trim(0, 512)).rejects.toMatchObject({ errno: Errno.EPERM });
    expect((await readOnly.read(0, 512)).length).toBe(512);
    readOnly.destroy();
  });

  it("maps backend failures to EIO and ENOSPC", async () => {
    const failing: NbdExportBackend = {
      name: "failing",
      size: MiB,
      readOnly: false,
      read: async () => {
        throw new Error("disk on fire");
      },
      write: async () => {
        throw Object.assign(new Error("full"), { code: "ENOSPC" });
      },
      flush: async () => {},
      trim: async () => {},
      writeZeroes: async () => {},
    };
    t.backends.set("failing", failing);
    const client = await connect("failing");
    await expect(client.read(0, 512)).rejects.toMatchObject({ errno: Errno.EIO });
    await expect(client.write(0, Buffer.alloc(512))).rejects.toMatchObject({ errno: Errno.ENOSPC });
    await client.flush();
    await client.disconnect();
    expect(t.server.counters().requestErrorsTotal).toBe(2);
  });

  it("lists exports and refuses unknown ones", async () => {
    await t.addFileExport("a", MiB);
    await t.addFileExport("b", MiB);
    expect((await NbdClient.list({ host: t.host, port: t.port })).sort()).toEqual(["a", "b"]);
    await expect(connect("nope")).rejects.toThrow(NbdHandshakeError);
    await expect(connect("nope")).rejects.toThrow(/ERR_UNKNOWN/);
  });
});
