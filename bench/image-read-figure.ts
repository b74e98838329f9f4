/**
 * The recovery bench's sequential-read figures: a point-in-time image read with nbdcopy through
 * NBD, over loopback TCP and over a Unix domain socket, against nbdcopy of the replica file itself.
 * Beside them, on each transport, the same replica served by the engine's NBD server as a plain
 * file export (what the server costs before the journal overlay does) and by `nbdkit file` (C, a
 * thread per connection: what NBD on that transport allows on this machine at all). Each read is
 * measured twice: from the page cache (NBD's own cost dominates), and from disk, with the replica
 * and the journal dropped from the page cache before each run (what recovering a volume that is
 * not cached costs).
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { Logger } from "../lib/log.ts";
import { nbdTcpUri, nbdUnixUri } from "../replication/nbd/address.ts";
import { FileBackend } from "../replication/nbd/file-backend.ts";
import { NbdServer } from "../replication/nbd/server.ts";
import { runToolOk } from "../replication/nbd/test-support.ts";
import { startNbdkit, stop } from "./nbdkit.ts";
import { dropFromPageCache, filesUnder } from "./page-cache.ts";
import { processCpuSeconds } from "./process-cpu.ts";
import type { BenchFigure } from "./types.ts";

const MiB = 1024 * 1024;
/** Rounds alternate the sources and keep each one's best, so a burst of load from elsewhere hurts all alike. */
const READ_ROUNDS = 3;
const TIMEOUT_MS = 600_000;
/** The sources also read from disk: the direct read, the image on both transports, nbdkit on the faster one. */
const COLD = ["direct", "imageTcp", "imageUnix", "nbdkitUnix"] as const;
type ColdSource = (typeof COLD)[number];

interface Best {
  seconds: number;
  cpu: number;
}

/** The image's addresses on both transports, as image access answers them. */
export interface ImageAddresses {
  uri: string;
  unixUri: string;
}

/** The replica file as a plain read-only export of the engine's NBD server, on TCP and a Unix socket. */
async function serveFile(path: string, socket: string, logger: Logger) {
  const file = await FileBackend.open({ name: "replica", path, readOnly: true });
  const server = new NbdServer({ lookup: () => file, list: () => ["replica"], logger });
  const bound = await server.listen("127.0.0.1", 0);
  await server.listenUnix(socket);
  return {
    uri: nbdTcpUri(bound.host, bound.port, "replica"),
    unixUri: nbdUnixUri(socket, "replica"),
    close: async () => {
      await server.close();
      await file.close();
    },
  };
}

interface ReadRun {
  seconds: number;
  /** CPU seconds of nbdcopy, and of the server process (all threads) while it ran. */
  clientCpu: number;
  serverCpu: number;
}

/** bash's `times` prints its own user and system time, then its children's: "0m0.012s 0m0.130s". */
function childrenCpu(times: string): number {
  const line = times.trim().split("\n")[1] ?? "";
  const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(line);
  if (!m) throw new Error(`unexpected output of bash's times: ${JSON.stringify(times)}`);
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4]);
}

/** One nbdcopy of `source` to null:, timed, with its CPU and the server's. */
async function readOnce(source: string, serverCpu: () => number): Promise<ReadRun> {
  const cpu0 = serverCpu();
  const t0 = performance.now();
  const out = await runToolOk("bash", ["-c", 'nbdcopy "$1" null: && times', "bash", source], TIMEOUT_MS);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, clientCpu: childrenCpu(out), serverCpu: serverCpu() - cpu0 };
}

/** This process's CPU seconds: the engine's NBD servers run in it. */
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export async function imageReadFigures(o: {
  replica: string;
  /** Every file the image may read (the replica and the journal): dropped from the page cache for the disk reads. */
  dataDir: string;
  volumeBytes: number;
  image: ImageAddresses;
  /** Where the comparison servers' sockets go. */
  dir: string;
  logger: Logger;
  progress: (line: string) => void;
}): Promise<{ figures: BenchFigure[]; notes: string[] }> {
  const load = loadavg()[0]!;
  const plain = await serveFile(o.replica, join(o.dir, "plain.sock"), o.logger);
  const kitTcp = await startNbdkit(o.replica, { readOnly: true });
  const kitUnix = await startNbdkit(o.replica, { readOnly: true, unixSocket: join(o.dir, "nbdkit.sock") });
  const sources = {
    direct: o.replica,
    imageTcp: o.image.uri,
    imageUnix: o.image.unixUri,
    serverTcp: plain.uri,
    serverUnix: plain.unixUri,
    nbdkitTcp: kitTcp.uri,
    nbdkitUnix: kitUnix.uri,
  };
  type Source = keyof typeof sources;
  const serverCpu: Record<Source, () => number> = {
    direct: () => 0,
    imageTcp: ownCpu,
    imageUnix: ownCpu,
    serverTcp: ownCpu,
    serverUnix: ownCpu,
    nbdkitTcp: () => processCpuSeconds(kitTcp.process.pid!),
    nbdkitUnix: () => processCpuSeconds(kitUnix.process.pid!),
  };
  const unmeasured = () => ({ seconds: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY });
  const best = Object.fromEntries(Object.keys(sources).map((k) => [k, unmeasured()])) as Record<Source, Best>;
  const cold = Object.fromEntries(COLD.map((k) => [k, unmeasured()])) as Record<ColdSource, Best>;
  const dataFiles = await filesUnder(o.dataDir);
  const keep = (into: Best, run: ReadRun): Best => ({
    seconds: Math.min(into.seconds, run.seconds),
    cpu: Math.min(into.cpu, run.clientCpu + run.serverCpu),
  });
  try {
    // One untimed pass each, so all read from the page cache alike (the image reads journal segments too).
    for (const source of Object.values(sources)) await runToolOk("nbdcopy", [source, "null:"], TIMEOUT_MS);
    for (let round = 0; round < READ_ROUNDS; round++)
      for (const [k, source] of Object.entries(sources) as [Source, string][])
        best[k] = keep(best[k], await readOnce(source, serverCpu[k]));
    o.progress(`reading from disk: ${dataFiles.length} files dropped from the page cache before each run`);
    for (let round = 0; round < READ_ROUNDS; round++)
      for (const k of COLD) {
        await dropFromPageCache(dataFiles);
        cold[k] = keep(cold[k], await readOnce(sources[k], serverCpu[k]));
      }
  } finally {
    await stop(kitTcp.process);
    await stop(kitUnix.process);
    await plain.close();
  }
  const rate = (k: Source) => o.volumeBytes / MiB / best[k].seconds;
  const cpuPerGiB = (k: Source) => (best[k].cpu * 1024 ** 3) / o.volumeBytes;
  const mibs = (k: Source) => `${rate(k).toFixed(0)} MiB/s`;
  const ofDirect = (k: Source) => (rate(k) / rate("direct")).toFixed(2);
  const coldRate = (k: ColdSource) => o.volumeBytes / MiB / cold[k].seconds;
  const coldMibs = (k: ColdSource) => `${coldRate(k).toFixed(0)} MiB/s`;
  o.progress(
    `sequential read: replica file ${mibs("direct")}; image ${mibs("imageTcp")} (TCP), ${mibs("imageUnix")} (Unix socket); nbdkit ${mibs("nbdkitTcp")} (TCP), ${mibs("nbdkitUnix")} (Unix socket)`,
  );
  o.progress(
    `from disk: replica file ${coldMibs("direct")}; image ${coldMibs("imageTcp")} (TCP), ${coldMibs("imageUnix")} (Unix socket); nbdkit ${coldMibs("nbdkitUnix")} (Unix socket)`,
  );
  const transports = [
    { label: "loopback TCP", image: "imageTcp", server: "serverTcp", nbdkit: "nbdkitTcp" },
    { label: "a Unix socket", image: "imageUnix", server: "serverUnix", nbdkit: "nbdkitUnix" },
  ] as const;
  const figures: BenchFigure[] = transports.flatMap((t) => [
    {
      name: `sequential read of a mid-window point-in-time image over ${t.label} (nbdcopy), from the page cache`,
      unit: "MiB/s",
      ours: rate(t.image),
      peer: { name: "nbdcopy of the replica file", value: rate("direct") },
      ratio: rate(t.image) / rate("direct"),
      aim: "ratio >= 0.5",
    },
    {
      name: `the same image over ${t.label} read from disk (replica and journal dropped from the page cache before each run)`,
      unit: "MiB/s",
      ours: coldRate(t.image),
      peer: { name: "nbdcopy of the replica file from disk", value: coldRate("direct") },
      ratio: coldRate(t.image) / coldRate("direct"),
      aim: "ratio >= 0.5",
    },
    {
      name: `the same image read from the page cache against nbdkit file serving the replica over ${t.label}: NBD's limit on that transport here`,
      unit: "MiB/s",
      ours: rate(t.image),
      peer: { name: `nbdkit file over ${t.label}`, value: rate(t.nbdkit) },
      ratio: rate(t.image) / rate(t.nbdkit),
      aim: "— (the machine's limit for NBD)",
    },
  ]);
  figures.push({
    name: "CPU per GiB of the image read over a Unix socket (nbdcopy + the server), against nbdcopy of the replica file",
    unit: "CPU s/GiB",
    ours: cpuPerGiB("imageUnix"),
    peer: { name: "nbdcopy of the replica file", value: cpuPerGiB("direct") },
    ratio: cpuPerGiB("imageUnix") / cpuPerGiB("direct"),
    aim: `— (nbdkit file over the same socket: ${(cpuPerGiB("nbdkitUnix") / cpuPerGiB("direct")).toFixed(1)}x)`,
    lowerIsBetter: true,
  });
  const cpu = (k: Source) => `${cpuPerGiB(k).toFixed(2)}`;
  const notes = [
    `sequential reads (1-minute load ${load.toFixed(1)} when they began): best of ${READ_ROUNDS} alternating nbdcopy runs per source, nbdcopy's defaults (4 connections, 64 requests of 256 KiB each)`,
    ...transports.map(
      (t) =>
        `over ${t.label}: nbdkit file ${mibs(t.nbdkit)} (${ofDirect(t.nbdkit)} of the direct read), the engine's server with the replica as a plain file export ${mibs(t.server)} (${ofDirect(t.server)}), the image ${mibs(t.image)} (${ofDirect(t.image)})`,
    ),
    `from disk (${dataFiles.length} files, the replica and every journal segment, synced and dropped from the page cache with dd iflag=nocache before each run, fincore checking they left it), best of ${READ_ROUNDS} alternating runs: replica file ${coldMibs("direct")}, the image ${coldMibs("imageTcp")} over loopback TCP (${(coldRate("imageTcp") / coldRate("direct")).toFixed(2)} of the direct read) and ${coldMibs("imageUnix")} over a Unix socket (${(coldRate("imageUnix") / coldRate("direct")).toFixed(2)}), nbdkit file over a Unix socket ${coldMibs("nbdkitUnix")} (${(coldRate("nbdkitUnix") / coldRate("direct")).toFixed(2)}); the image reads its mid-window bytes from undo records scattered over the journal, the direct read one file in order`,
    `CPU seconds per GiB read, nbdcopy plus server, least of the runs: direct ${cpu("direct")}; over loopback TCP nbdkit ${cpu("nbdkitTcp")}, the engine's plain export ${cpu("serverTcp")}, the image ${cpu("imageTcp")}; over a Unix socket nbdkit ${cpu("nbdkitUnix")}, the plain export ${cpu("serverUnix")}, the image ${cpu("imageUnix")}`,
    `why NBD stays far below a direct read here: nbdcopy of the file copies each byte once (page cache to its buffer); through NBD each byte is copied three times (page cache to the server's buffer, into the socket, out of it into nbdcopy's) plus a request and a reply per 256 KiB, so even nbdkit spends ${(cpuPerGiB("nbdkitUnix") / cpuPerGiB("direct")).toFixed(1)}x the direct read's CPU over a Unix socket; with 2 cores shared by server, client and the machine's other work, the read rate follows CPU per byte, and a Unix socket saves the TCP stack's share of it, not the copies`,
  ];
  return { figures, notes };
}
