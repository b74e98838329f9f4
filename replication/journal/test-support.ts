/**
 * Shared by the recovery tests (and the crash child): a seeded random workload and the in-memory
 * images it must produce, so every test compares the journal against an independent model.
 */
import { createLogger } from "../../lib/log.ts";
import { makeTempDir, removeTempDir } from "../../test/support/tempdir.ts";
import type { GroupConfig } from "../config.ts";
import type { ReplicatedWrite } from "../records.ts";

export const VOLUME_BYTES = 1024 * 1024;
export const VOLUMES = ["vol-a", "vol-b"];
export const silentLogger = createLogger("silent");

export function groupConfig(
  retention: { window: number; capacity: number } = { window: 86400, capacity: 64 * 1024 ** 2 },
): GroupConfig {
  return {
    name: "cg1",
    tenant: "default",
    mode: "async",
    rpoTarget: 1800,
    bookmarkInterval: 1800,
    volumes: VOLUMES.map((name) => ({ name, size: VOLUME_BYTES })),
    retention,
  };
}

const made: string[] = [];

/** A fresh directory for one test; `removeTempDirs`, run after each test, deletes it. */
export async function tempDir(): Promise<string> {
  const dir = await makeTempDir("recovery");
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  for (const dir of made.splice(0)) await removeTempDir(dir);
}

/** mulberry32: small, seedable, good enough to spread writes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random writes (80%), zeroes and trims over 512-byte-aligned ranges up to 32 KiB; seq from 1, 1 s apart. */
export function randomWrites(seed: number, count: number, firstTimestamp = 1_000_000): ReplicatedWrite[] {
  const rand = prng(seed);
  const writes: ReplicatedWrite[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const length = 512 * (1 + Math.floor(rand() * 64));
    const offset = 512 * Math.floor(rand() * ((VOLUME_BYTES - length) / 512 + 1));
    const roll = rand();
    const kind = roll < 0.8 ? "write" : roll < 0.9 ? "zero" : "trim";
    const volume = VOLUMES[Math.floor(rand() * VOLUMES.length)]!;
    const w: ReplicatedWrite = { seq, timestamp: firstTimestamp + seq, volume, offset, length, kind };
    if (kind === "write") {
      w.data = Buffer.alloc(length);
      for (let i = 0; i < length; i += 4) w.data.writeUInt32LE(Math.floor(rand() * 2 ** 32), i);
    }
    writes.push(w);
  }
  return writes;
}

/** The volumes' content after applying `writes` with seq <= atSeq. */
export function expectedImages(writes: readonly ReplicatedWrite[], atSeq: number): Map<string, Buffer> {
  const images = new Map(VOLUMES.map((v) => [v, Buffer.alloc(VOLUME_BYTES)]));
  for (const w of writes) {
    if (w.seq > atSeq) break;
    const image = images.get(w.volume)!;
    if (w.data) w.data.copy(image, w.offset);
    else image.fill(0, w.offset, w.offset + w.length);
  }
  return images;
}

/** Splits writes into batches of 1..maxBatch records. */
export function batches(writes: readonly ReplicatedWrite[], seed: number, maxBatch = 12): ReplicatedWrite[][] {
  const rand = prng(seed);
  const out: ReplicatedWrite[][] = [];
  for (let i = 0; i < writes.length; ) {
    const n = 1 + Math.floor(rand() * maxBatch);
    out.push(writes.slice(i, i + n));
    i += n;
  }
  return out;
}
