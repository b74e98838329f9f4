/** Reused READ reply buffers: reuse, the idle cap, and that reuse never mixes up replies on the wire. */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BufferPool } from "./buffer-pool.ts";
import { NbdClient } from "./client.ts";
import { startTestServer, type TestNbdServer } from "./test-support.ts";

describe("BufferPool", () => {
  it("hands a given-back buffer out again for the same length only", () => {
    const pool = new BufferPool(1024);
    const a = pool.take(256);
    pool.give(a);
    expect(pool.take(128)).not.toBe(a);
    expect(pool.take(256)).toBe(a);
    expect(pool.take(256)).not.toBe(a);
  });

  it("keeps at most maxBytes idle", () => {
    const pool = new BufferPool(512);
    const taken = [pool.take(256), pool.take(256), pool.take(256)];
    for (const b of taken) pool.give(b);
    const again = [pool.take(256), pool.take(256), pool.take(256)];
    expect(again.filter((b) => taken.includes(b))).toHaveLength(2);
  });
});

describe("READ replies from reused buffers", () => {
  let t: TestNbdServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(async () => {
    await t.stop();
  });

  async function readAllShuffled(exportName: string, data: Buffer, block: number): Promise<void> {
    const client = await NbdClient.connect({ host: t.host, port: t.port, exportName });
    for (let round = 0; round < 4; round++) {
      // All in flight at once, in shuffled order, so buffers are written back out of order and reused.
      const offsets = Array.from({ length: data.length / block }, (_, i) => i * block).sort(() => Math.random() - 0.5);
      const replies = await Promise.all(offsets.map((o) => client.read(o, block)));
      replies.forEach((r, i) => {
        expect(r.equals(data.subarray(offsets[i]!, offsets[i]! + block))).toBe(true);
      });
    }
    await client.disconnect();
  }

  it("a file export's replies each carry their own range", async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const backend = await t.addFileExport("disk", data.length, true);
    await writeFile(backend.path, data);
    await readAllShuffled("disk", data, 64 * 1024);
  });

  it("an export that fills buffers at once gets each reply right too", async () => {
    // No thread-pool round trip between taking a buffer and replying from it: reuse runs at its fastest.
    const data = randomBytes(4 * 1024 * 1024);
    t.backends.set("memory", {
      name: "memory",
      size: data.length,
      readOnly: true,
      read: async (offset, length) => Buffer.from(data.subarray(offset, offset + length)),
      readInto: async (offset, into) => {
        data.copy(into, 0, offset, offset + into.length);
      },
      write: () => Promise.reject(new Error("read-only")),
      flush: async () => {},
      trim: () => Promise.reject(new Error("read-only")),
      writeZeroes: () => Promise.reject(new Error("read-only")),
    });
    await readAllShuffled("memory", data, 4096);
  });
});
