/**
 * Reprotect's figure for the recovery bench: bytes it sends against bytes changed since the
 * failover, on a real engine pair (test/engine/harness.ts) with qemu-io as the client. The old
 * production site writes after a bookmark (rolled back by a failover at it), the new production
 * site makes scattered 4 KiB writes after the promotion; reprotect must send about the union of
 * both, not the volume, and not whole extents around the small writes.
 */
import { freePorts } from "../lib/ports.ts";
import type { FailoverView } from "../replication/failover/failover.ts";
import type { GroupReprotectStatus } from "../replication/status.ts";
import { EnginePair, qemuIo } from "../test/engine/harness.ts";
import { waitFor } from "../test/support/process.ts";
import type { BenchFigure } from "./types.ts";

const MiB = 1024 * 1024;
const VOLUME_MIB = 256;
const K4 = 4096;
const K64 = 64 * 1024;
const BLOCKS = (VOLUME_MIB * MiB) / K4;
/** Scattered 4 KiB writes at the new production site (the realistic case: databases, file systems). */
const SCATTERED_WRITES = 2000;

/** MINSTD (Park-Miller): its products stay below 2^53, so every value is exact in a double. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 48271) % 2147483647;
    return x;
  };
}

/** `count` writes of 64 KiB to 1 MiB at 64 KiB-aligned pseudo-random offsets; adds their 4 KiB blocks to `changed`. */
function extentWrites(seed: number, count: number, pattern: number, changed: Set<number>): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const extents = 1 + (next() % 16);
    const first = next() % ((VOLUME_MIB * MiB) / K64 - extents);
    for (let b = (first * K64) / K4; b < ((first + extents) * K64) / K4; b++) changed.add(b);
    return `write -P ${pattern} ${first * K64} ${extents * K64}`;
  });
}

/** `count` writes of 4 KiB at 4 KiB-aligned pseudo-random offsets; adds their blocks to `changed`. */
function blockWrites(seed: number, count: number, pattern: number, changed: Set<number>): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const block = next() % BLOCKS;
    changed.add(block);
    return `write -P ${pattern} ${block * K4} 4k`;
  });
}

export async function reprotectFigure(
  progress: (line: string) => void,
): Promise<{ figure: BenchFigure; note: string }> {
  const [reverseLinkPort] = await freePorts(1);
  const pair = await EnginePair.running({ reverseLinkPort, volumeSize: `${VOLUME_MIB}MiB` });
  try {
    progress(`reprotect: filling a ${VOLUME_MIB} MiB volume`);
    await qemuIo(pair.nbdUri, [`write -P 0x11 0 ${VOLUME_MIB}M`], 300_000);
    await pair.caughtUp(300_000);
    await pair.api("production", "POST", "/groups/g1/bookmarks", { name: "bench-point" });
    await waitFor(async () => ((await pair.group("recovery")).lastBookmark?.name === "bench-point" ? true : null), {
      timeoutMs: 60_000,
      what: "bookmark at the recovery site",
    });
    const changed = new Set<number>();
    await qemuIo(pair.nbdUri, extentWrites(7, 40, 0x22, changed), 300_000);
    await pair.caughtUp(300_000);
    const res = await pair.api("recovery", "POST", "/groups/g1/failover", { bookmark: "bench-point" });
    const failover = (await res.json()) as FailoverView;
    const before = changed.size;
    await qemuIo(failover.volumes[0]!.uri, blockWrites(11, SCATTERED_WRITES, 0x33, changed), 300_000);
    const scatteredBytes = (changed.size - before) * K4;
    progress("reprotect: failed over, written at both sites; reprotecting");
    const t0 = performance.now();
    await waitFor(
      async () => {
        const r = await pair.api("recovery", "POST", "/groups/g1/reprotect", {});
        return r.status === 202 ? true : null;
      },
      { timeoutMs: 60_000, what: "reprotect accepted" },
    );
    const done = await waitFor(
      async () => {
        const r: GroupReprotectStatus | undefined = (await pair.group("recovery")).reprotect;
        return r?.phase === "protected" ? r : null;
      },
      { timeoutMs: 300_000, what: "reprotect done" },
    );
    const seconds = (performance.now() - t0) / 1000;
    await pair.caughtUp(300_000, "reversed");
    if (!pair.imagesIdentical()) throw new Error("after reprotect the two images differ");
    const changedBytes = changed.size * K4;
    const ratio = done.bytesSent! / changedBytes;
    progress(
      `reprotect: sent ${(done.bytesSent! / MiB).toFixed(1)} MiB for ${(changedBytes / MiB).toFixed(1)} MiB changed`,
    );
    return {
      figure: {
        name: "reprotect bytes sent / bytes changed since failover (64 KiB-1 MiB writes at the old site, scattered 4 KiB writes at the new one)",
        unit: "bytes",
        ours: done.bytesSent!,
        peer: { name: "distinct bytes changed at either site since the point", value: changedBytes },
        ratio,
        aim: "ratio <= 1.1 (a full resync would send the volume)",
        lowerIsBetter: true,
      },
      note: `reprotect of a ${VOLUME_MIB} MiB volume sent ${(done.bytesSent! / MiB).toFixed(1)} MiB (${((100 * done.bytesSent!) / (VOLUME_MIB * MiB)).toFixed(1)}% of the volume) in ${seconds.toFixed(1)} s; images byte-identical afterwards. ${SCATTERED_WRITES} random 4 KiB writes at the new production changed ${(scatteredBytes / MiB).toFixed(1)} MiB of it that no 64 KiB-1 MiB write at the old site covered; the delta's unit is the 4 KiB block (64 KiB extents would have sent up to 16x those).`,
    };
  } finally {
    await pair.close();
  }
}
