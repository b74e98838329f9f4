/**
 * Recovery operations (docs/recovery.md): time to the first byte of a point-in-time image with a
 * small and a large journal (it must not grow with the journal), sequential read of an image
 * through NBD against reading the replica file directly (same tool, nbdcopy), and the measured RTO
 * of a test failover of a 4-volume group. The journal, image access and NBD server are the
 * engine's own code, in this process; the clients are the unmodified tools.
 */
import { rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createLogger } from "../lib/log.ts";
import type { GroupConfig } from "../replication/config.ts";
import { DRILLS_FILE, DrillStore } from "../replication/drills/drill-store.ts";
import { prepareSocketDir } from "../replication/group-sockets.ts";
import { ImageAccess, type ImageRequest } from "../replication/images/image-access.ts";
import { Journal } from "../replication/journal/journal.ts";
import { NbdClient } from "../replication/nbd/client.ts";
import type { ReplicatedWrite } from "../replication/records.ts";
import { imageReadFigures } from "./image-read-figure.ts";
import { selectedParts } from "./parts.ts";
import { reprotectFigure } from "./reprotect-figure.ts";
import type { Bench, BenchFigure } from "./types.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const VOLUME_BYTES = GiB;
const WRITE_BYTES = MiB;
const BATCH_WRITES = 8;
/** Journal sizes the first-byte time is measured at (the 1 GiB and 8 GiB). */
const JOURNAL_SIZES = [GiB, 8 * GiB];
const logger = createLogger("warn");

function group(name: string, volumes: number, volumeBytes: number): GroupConfig {
  return {
    name,
    tenant: "bench",
    mode: "async",
    rpoTarget: 1800,
    bookmarkInterval: 1800,
    volumes: Array.from({ length: volumes }, (_, i) => ({ name: `${name}-v${i}`, size: volumeBytes })),
    retention: { window: 30 * 86400, capacity: 64 * GiB },
  };
}

/** Writes 1 MiB changes at pseudo-random places until the journal holds `bytes` (redo + undo), then distributes. */
async function fillJournal(j: Journal, config: GroupConfig, bytes: number, progress: (l: string) => void) {
  const start = Date.now() / 1000 - 3600;
  const data = Buffer.alloc(WRITE_BYTES);
  let seq = j.durableSeq;
  const slots = config.volumes[0]!.size / WRITE_BYTES;
  while (j.journalStatus().usedBytes < bytes) {
    const batch: ReplicatedWrite[] = [];
    for (let i = 0; i < BATCH_WRITES; i++) {
      seq++;
      data.fill(seq & 0xff);
      batch.push({
        seq,
        timestamp: start + seq * 0.001,
        volume: config.volumes[seq % config.volumes.length]!.name,
        offset: ((seq * 7919) % slots) * WRITE_BYTES,
        length: WRITE_BYTES,
        kind: "write",
        data: Buffer.from(data),
      });
    }
    await j.appendBatch(batch);
    if (seq % 1024 === 0) {
      await j.catchUp();
      progress(`journal at ${(j.journalStatus().usedBytes / GiB).toFixed(2)} GiB`);
    }
  }
  await j.catchUp();
}

/** Image access as a site runs it, its socket folder made ready the way a site's start makes it. */
async function imageAccess(dir: string, drills: DrillStore): Promise<ImageAccess> {
  await prepareSocketDir(join(dir, "sockets"));
  return new ImageAccess({
    host: "127.0.0.1",
    socketDir: join(dir, "sockets"),
    scratchDir: join(dir, "scratch"),
    drills,
    logger,
    rpoOf: () => 0,
  });
}

/** From the request to the first 4 KiB of every volume read by an NBD client. */
async function timeToFirstByte(access: ImageAccess, config: GroupConfig, j: Journal, request: ImageRequest) {
  const t0 = performance.now();
  const view = await access.begin({ config, journal: j }, request);
  await Promise.all(
    view.volumes.map(async (v) => {
      const u = new URL(v.uri);
      const c = await NbdClient.connect({ host: u.hostname, port: Number(u.port), exportName: v.name });
      await c.read(0, 4096);
      await c.disconnect();
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, view };
}

const PARTS = ["reprotect", "first-byte", "read", "rto"] as const;

/**
 * RPOWATCH_BENCH_RECOVERY=part,part… runs only those parts (reprotect, first-byte, read, rto; all
 * when unset), e.g. to rerun one figure on a quieter machine; the read part fills the journal too.
 */
const selected = () => selectedParts("RPOWATCH_BENCH_RECOVERY", PARTS);

export const bench: Bench = {
  name: "recovery",
  description:
    "Point-in-time images and test failover on the engine's journal (1 MiB writes spread over a 1 GiB volume, " +
    "distributed, so the journal holds redo and undo): first byte of the oldest point at 1 GiB and 8 GiB of journal, " +
    "sequential read of a mid-window image with nbdcopy over loopback TCP and a Unix socket against nbdcopy of the replica file, " +
    "from the page cache and from disk " +
    "(nbdkit file on each transport as NBD's limit), the RTO of a 4-volume test failover, " +
    "and the bytes reprotect sends against the bytes changed since a failover (engine pair, qemu-io).",
  async run(progress) {
    const dir = join(tmpdir(), `rpowatch-bench-recovery-${process.pid}`);
    const figures: BenchFigure[] = [];
    const notes: string[] = [
      `1-minute load average at start: ${loadavg()[0]!.toFixed(1)} (figures from a busy machine understate the NBD reads most)`,
    ];
    try {
      const parts = selected();
      if (parts.has("reprotect")) {
        const reprotect = await reprotectFigure(progress);
        figures.push(reprotect.figure);
        notes.push(reprotect.note);
      }
      const drills = await DrillStore.open(join(dir, DRILLS_FILE), logger, () => Date.now() / 1000);
      const config = group("big", 1, VOLUME_BYTES);
      const j = await Journal.open({ dir: join(dir, "big"), group: config, logger, segmentBytes: 64 * MiB });
      const access = await imageAccess(dir, drills);
      try {
        const fill = parts.has("first-byte") || parts.has("read");
        for (const size of fill ? JOURNAL_SIZES : []) {
          progress(`filling the journal to ${size / GiB} GiB`);
          await fillJournal(j, config, size, progress);
          if (!parts.has("first-byte")) continue;
          const oldest = j.recoverableRange().oldestSeq;
          const { seconds } = await timeToFirstByte(access, config, j, {
            point: { kind: "time", timestamp: j.recoverableRange().oldestTimestamp },
            writable: false,
            operator: "bench",
            note: "",
          });
          await access.end("big", { result: "passed" });
          progress(`first byte at ${size / GiB} GiB of journal (seq ${oldest}): ${(seconds * 1000).toFixed(1)} ms`);
          figures.push({
            name: `time to first byte of the oldest point, ${size / GiB} GiB journal`,
            unit: "s",
            ours: seconds,
            ratio: seconds / 1,
            aim: "<= 1 s, not growing with the journal",
            lowerIsBetter: true,
          });
        }
        const status = j.journalStatus();
        if (fill)
          notes.push(
            `journal ${(status.usedBytes / GiB).toFixed(2)} GiB, ${j.durableSeq} writes of 1 MiB over a ${VOLUME_BYTES / GiB} GiB volume`,
          );
        if (parts.has("read")) {
          const range = j.recoverableRange();
          const mid = Math.floor((range.oldestSeq + range.newestSeq) / 2);
          const view = await access.begin(
            { config, journal: j },
            {
              point: { kind: "time", timestamp: j.timestampOf(mid) },
              writable: false,
              operator: "bench",
              note: "",
            },
          );
          const replica = join(dir, "big", `${config.volumes[0]!.name}.img`);
          const { uri, unixUri } = view.volumes[0]!;
          const read = await imageReadFigures({
            replica,
            dataDir: join(dir, "big"),
            volumeBytes: VOLUME_BYTES,
            image: { uri, unixUri: unixUri! },
            dir,
            logger,
            progress,
          });
          await access.end("big", { result: "passed" });
          figures.push(...read.figures);
          notes.push(...read.notes);
        }
      } finally {
        await access.closeAll();
        await j.close();
      }

      if (!parts.has("rto")) return { name: "recovery", description: bench.description, figures, notes };
      const four = group("four", 4, 256 * MiB);
      const j4 = await Journal.open({ dir: join(dir, "four"), group: four, logger, segmentBytes: 64 * MiB });
      const access4 = await imageAccess(dir, drills);
      try {
        await fillJournal(j4, four, 256 * MiB, progress);
        let best = Number.POSITIVE_INFINITY;
        let engineRto = Number.POSITIVE_INFINITY;
        for (let round = 0; round < 3; round++) {
          const { seconds, view } = await timeToFirstByte(access4, four, j4, {
            point: { kind: "latest" },
            writable: true,
            operator: "bench",
            note: "",
          });
          const { drill } = await access4.end("four", { result: "passed" });
          best = Math.min(best, seconds);
          engineRto = Math.min(engineRto, drill?.rtoSeconds ?? Number.POSITIVE_INFINITY);
          progress(
            `test failover of 4 volumes: first byte of all in ${(seconds * 1000).toFixed(1)} ms (${view.volumes.length} exports)`,
          );
        }
        figures.push({
          name: "test failover RTO of a 4-volume group, request to first byte of every volume (NBD client)",
          unit: "s",
          ours: best,
          ratio: best / 2,
          aim: "<= 2 s",
          lowerIsBetter: true,
        });
        notes.push(`the drill record's own RTO (request to exports ready) was ${(engineRto * 1000).toFixed(1)} ms`);
      } finally {
        await access4.closeAll();
        await j4.close();
      }
      return { name: "recovery", description: bench.description, figures, notes };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
