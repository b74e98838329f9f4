/**
 * Property: over random write sequences, the images image access serves at two times (read by an
 * NBD client) are the in-memory model at those times, and differ exactly by the writes made
 * between them, whether the points lie behind the replica (undo) or ahead of it (pending redo).
 */
import { afterEach, describe, expect, it } from "vitest";
import { DRILLS_FILE, DrillStore } from "../drills/drill-store.ts";
import { Journal } from "../journal/journal.ts";
import {
  batches,
  expectedImages,
  groupConfig,
  prng,
  randomWrites,
  removeTempDirs,
  silentLogger,
  tempDir,
  VOLUME_BYTES,
  VOLUMES,
} from "../journal/test-support.ts";
import { NbdClient } from "../nbd/client.ts";
import type { ReplicatedWrite } from "../records.ts";
import { ImageAccess } from "./image-access.ts";

const FIRST_TIMESTAMP = 1_000_000;
const NOW = 2_000_000;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await removeTempDirs();
});

async function readImage(uri: string): Promise<Buffer> {
  const u = new URL(uri);
  const client = await NbdClient.connect({ host: u.hostname, port: Number(u.port), exportName: u.pathname.slice(1) });
  try {
    return await client.read(0, client.size);
  } finally {
    await client.disconnect();
  }
}

/** The images of every volume at `timestamp`, through a read-only session opened and ended around the reads. */
async function imagesAt(access: ImageAccess, group: Journal, timestamp: number) {
  const view = await access.begin(
    { config: groupConfig(), journal: group },
    { point: { kind: "time", timestamp }, writable: false, operator: "property", note: "" },
  );
  const images = new Map<string, Buffer>();
  for (const v of view.volumes) images.set(v.name, await readImage(v.uri));
  await access.end("cg1", { result: "passed" });
  return { seq: view.point.seq, images };
}

function applyWrites(images: Map<string, Buffer>, writes: readonly ReplicatedWrite[]): Map<string, Buffer> {
  const out = new Map([...images].map(([v, b]) => [v, Buffer.from(b)]));
  for (const w of writes) {
    const image = out.get(w.volume)!;
    if (w.data) w.data.copy(image, w.offset);
    else image.fill(0, w.offset, w.offset + w.length);
  }
  return out;
}

describe("point-in-time images against an in-memory model", () => {
  it.each([11, 23, 37, 51])("seed %i: images at two times differ exactly by the writes between them", async (seed) => {
    const dir = await tempDir();
    const writes = randomWrites(seed, 240, FIRST_TIMESTAMP);
    const group = await Journal.open({
      dir,
      group: groupConfig(),
      logger: silentLogger,
      segmentBytes: 256 * 1024,
      now: () => FIRST_TIMESTAMP + 1000,
      autoDistribute: false,
    });
    cleanups.push(() => group.close());
    const all = batches(writes, seed);
    const split = Math.floor(all.length * 0.6);
    for (const b of all.slice(0, split)) await group.appendBatch(b);
    await group.catchUp();
    // The rest stays undistributed: points after appliedSeq roll the replica forward.
    for (const b of all.slice(split)) await group.appendBatch(b);
    const drills = await DrillStore.open(`${dir}/${DRILLS_FILE}`, silentLogger, () => NOW);
    const access = new ImageAccess({
      host: "127.0.0.1",
      scratchDir: `${dir}/scratch`,
      drills,
      logger: silentLogger,
      rpoOf: () => 0,
      now: () => NOW,
    });
    cleanups.push(() => access.closeAll());

    const rand = prng(seed * 7);
    for (let round = 0; round < 3; round++) {
      const [t1, t2] = [rand(), rand()].map((r) => FIRST_TIMESTAMP + r * (writes.length + 1)).sort((a, b) => a - b) as [
        number,
        number,
      ];
      const a = await imagesAt(access, group, t1);
      const b = await imagesAt(access, group, t2);
      // Writes are 1 s apart from FIRST_TIMESTAMP + 1: the point at t is the last write at or before it.
      expect(a.seq).toBe(Math.max(0, Math.floor(t1 - FIRST_TIMESTAMP)));
      expect(b.seq).toBe(Math.max(0, Math.floor(t2 - FIRST_TIMESTAMP)));
      const model = [expectedImages(writes, a.seq), expectedImages(writes, b.seq)];
      const between = writes.filter((w) => w.seq > a.seq && w.seq <= b.seq);
      const rolled = applyWrites(a.images, between);
      for (const v of VOLUMES) {
        expect(a.images.get(v)!.length).toBe(VOLUME_BYTES);
        expect(a.images.get(v)!.equals(model[0]!.get(v)!), `${v} at seq ${a.seq}`).toBe(true);
        expect(b.images.get(v)!.equals(model[1]!.get(v)!), `${v} at seq ${b.seq}`).toBe(true);
        expect(b.images.get(v)!.equals(rolled.get(v)!), `${v}: seq ${a.seq} + writes ${a.seq + 1}..${b.seq}`).toBe(
          true,
        );
      }
    }
  });
});
