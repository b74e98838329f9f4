/**
 * Reprotect's figure for the recovery bench: bytes it sends against bytes changed since the
 * failover, on a real engine pair (test/engine/harness.ts) with qemu-io as the client. The old
 * production site writes after a bookmark (rolled back by a failover at it), the new production
 * site writes after the promotion; reprotect must send about the union of both, not the volume.
 */
import { freePorts } from "../lib/ports.ts";
import type { FailoverView } from "../replication/failover/failover.ts";
import type { GroupReprotectStatus } from "../replication/status.ts";
import { EnginePair, qemuIo } from "../test/engine/harness.ts";
import { waitFor } from "../test/support/process.ts";
import type { BenchFigure } from "./types.ts";

const MiB = 1024 * 1024;
const VOLUME_MIB = 256;
const KiB64 = 64 * 1024;

/** `count` writes of 64 KiB to 1 MiB at 64 KiB-aligned pseudo-random offsets; adds their bytes to `changed`. */
function writes(seed: number, count: number, pattern: number, changed: Set<number>): string[] {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x;
  };
  return Array.from({ length: count }, () => {
    const blocks = 1 + (next() % 16);
    const first = next() % (VOLUME_MIB * 16 - blocks);
    for (let b = first; b < first + blocks; b++) changed.add(b);
    return `write -P ${pattern} ${first * KiB64} ${blocks * KiB64}`;
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
    await qemuIo(pair.nbdUri, writes(7, 40, 0x22, changed), 300_000);
    await pair.caughtUp(300_000);
    const res = await pair.api("recovery", "POST", "/groups/g1/failover", { bookmark: "bench-point" });
    const failover = (await res.json()) as FailoverView;
    await qemuIo(failover.volumes[0]!.uri, writes(11, 60, 0x33, changed), 300_000);
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
    const changedBytes = changed.size * KiB64;
    const ratio = done.bytesSent! / changedBytes;
    progress(
      `reprotect: sent ${(done.bytesSent! / MiB).toFixed(1)} MiB for ${(changedBytes / MiB).toFixed(1)} MiB changed`,
    );
    return {
      figure: {
        name: "reprotect bytes sent / bytes changed since failover (64 KiB-1 MiB writes at both sites)",
        unit: "bytes",
        ours: done.bytesSent!,
        peer: { name: "distinct bytes changed at either site since the point", value: changedBytes },
        ratio,
        aim: "ratio <= 1.1 (a full resync would send the volume)",
        lowerIsBetter: true,
      },
      note: `reprotect of a ${VOLUME_MIB} MiB volume sent ${(done.bytesSent! / MiB).toFixed(1)} MiB (${((100 * done.bytesSent!) / (VOLUME_MIB * MiB)).toFixed(1)}% of the volume) in ${seconds.toFixed(1)} s; images byte-identical afterwards. The unit is the 64 KiB extent: scattered 4 KiB writes would be sent as whole extents (up to 16x their bytes).`,
    };
  } finally {
    await pair.close();
  }
}
