/**
 * NBD server throughput: fio against our server (file backend) and against the C reference
 * `nbdkit file` on the same kind of preallocated image, in the same run.
 */
import type { ChildProcess } from "node:child_process";
import { open } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestNbdServer } from "../replication/nbd/test-support.ts";
import { type FioJob, runFio } from "./fio.ts";
import { startNbdkit, stop } from "./nbdkit.ts";
import type { Bench, BenchFigure } from "./types.ts";

const MiB = 1024 * 1024;
const IMAGE_BYTES = 256 * MiB;
const RUNTIME_SECONDS = 5;
/** Rounds alternate ours/peer and keep each side's best, so a burst of load from elsewhere hurts both alike. */
const ROUNDS = 2;

const JOBS: { figure: string; unit: "IOPS" | "MiB/s"; aim: string; job: Omit<FioJob, "uri" | "name"> }[] = [
  {
    figure: "4 KiB random write, QD32",
    unit: "IOPS",
    aim: "ratio >= 0.7 (anchors §5: pipelined Node reached ~70% of nbdkit)",
    job: { rw: "randwrite", bs: "4k", iodepth: 32, size: "256M", runtimeSeconds: RUNTIME_SECONDS },
  },
  {
    figure: "1 MiB sequential write, QD8",
    unit: "MiB/s",
    aim: "ratio >= 0.7",
    job: { rw: "write", bs: "1m", iodepth: 8, size: "256M", runtimeSeconds: RUNTIME_SECONDS },
  },
];

/** Writes the whole image once, so both servers write to allocated blocks rather than a sparse file. */
async function preallocate(path: string): Promise<void> {
  const file = await open(path, "w");
  const chunk = Buffer.alloc(MiB);
  for (let at = 0; at < IMAGE_BYTES; at += MiB) await file.write(chunk, 0, MiB, at);
  await file.datasync();
  await file.close();
}

const value = (unit: "IOPS" | "MiB/s", r: { iops: number; bytesPerSecond: number }) =>
  unit === "IOPS" ? r.iops : r.bytesPerSecond / MiB;

export const bench: Bench = {
  name: "nbd",
  description:
    "fio (nbd engine) against rpowatch's NBD server with the raw-file backend vs `nbdkit file` on the same kind of " +
    `preallocated ${IMAGE_BYTES / MiB} MiB image; best of ${ROUNDS} alternating ${RUNTIME_SECONDS} s runs each. ` +
    "Replication is off (plain server).",
  async run(progress) {
    const loadAtStart = loadavg()[0]!;
    let ours: TestNbdServer | undefined;
    let peer: ChildProcess | undefined;
    try {
      ours = await startTestServer({ logLevel: "warn" });
      const ourImage = join(ours.dir, "bench.img");
      const peerImage = join(ours.dir, "peer.img");
      progress(`preallocating two ${IMAGE_BYTES / MiB} MiB images`);
      await preallocate(ourImage);
      await preallocate(peerImage);
      await ours.addFileExport("bench", IMAGE_BYTES);
      const nbdkit = await startNbdkit(peerImage);
      peer = nbdkit.process;
      const figures: BenchFigure[] = [];
      for (const { figure, unit, aim, job } of JOBS) {
        let figureOurs = 0;
        let figurePeer = 0;
        for (let round = 1; round <= ROUNDS; round++) {
          progress(`${figure}: round ${round}/${ROUNDS}`);
          const mine = await runFio({ ...job, name: "rpowatch", uri: ours.uri("bench") });
          const theirs = await runFio({ ...job, name: "nbdkit", uri: nbdkit.uri });
          figureOurs = Math.max(figureOurs, value(unit, mine));
          figurePeer = Math.max(figurePeer, value(unit, theirs));
        }
        progress(`${figure}: ${figureOurs.toFixed(0)} vs ${figurePeer.toFixed(0)} ${unit}`);
        figures.push({
          name: figure,
          unit,
          ours: figureOurs,
          peer: { name: "nbdkit file", value: figurePeer },
          ratio: figureOurs / figurePeer,
          aim,
        });
      }
      return {
        name: "nbd",
        description: bench.description,
        figures,
        notes: [
          "Both servers run on this machine with fio; on 2 cores fio, the server and the page cache compete, so absolute figures are indicative.",
          "Writes are buffered (no FUA, no flush during the run) for both servers.",
          `1-minute load average at start: ${loadAtStart.toFixed(1)} (figures from a busy machine understate both servers).`,
        ],
      };
    } finally {
      if (peer) await stop(peer);
      await ours?.stop();
    }
  },
};
