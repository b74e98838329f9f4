/**
 * Runs one fio job and returns its throughput, parsed from `fio --output-format=json`.
 * Shared by the benchmarks that drive an NBD export (ours, nbdkit, or the engine's).
 */
import { runToolOk } from "../replication/nbd/test-support.ts";

export interface FioJob {
  /** fio job name (shows in fio's output). */
  name: string;
  /** NBD URI for fio's nbd engine, e.g. nbd://127.0.0.1:10809/disk. */
  uri: string;
  /** fio --rw: randwrite, write, randread, read, ... */
  rw: string;
  /** Block size, in fio's syntax (4k, 1m). */
  bs: string;
  iodepth: number;
  /** Region of the export to use, in fio's syntax (256M). */
  size: string;
  runtimeSeconds: number;
  /** Further fio arguments, e.g. ["--end_fsync=1"]. */
  extra?: string[];
}

export interface FioResult {
  iops: number;
  bytesPerSecond: number;
  ioBytes: number;
  /** Mean completion latency, seconds. */
  meanLatencySeconds: number;
}

interface FioDirectionStats {
  iops: number;
  bw_bytes: number;
  io_bytes: number;
  clat_ns?: { mean: number };
}

/** Runs the job (time-based) and reports the direction it exercised: writes for *write, else reads. */
export async function runFio(job: FioJob): Promise<FioResult> {
  const args = [
    `--name=${job.name}`,
    "--ioengine=nbd",
    `--uri=${job.uri}`,
    `--rw=${job.rw}`,
    `--bs=${job.bs}`,
    `--iodepth=${job.iodepth}`,
    `--size=${job.size}`,
    "--time_based=1",
    `--runtime=${job.runtimeSeconds}`,
    "--output-format=json",
    ...(job.extra ?? []),
  ];
  const out = await runToolOk("fio", args, (job.runtimeSeconds + 60) * 1000);
  // fio may print warnings before the JSON document.
  const report = JSON.parse(out.slice(out.indexOf("{"))) as {
    jobs: { error: number; read: FioDirectionStats; write: FioDirectionStats }[];
  };
  const result = report.jobs[0];
  if (!result) throw new Error("fio reported no job");
  if (result.error !== 0) throw new Error(`fio job ${job.name} failed with error ${result.error}`);
  const stats = job.rw.includes("write") ? result.write : result.read;
  return {
    iops: stats.iops,
    bytesPerSecond: stats.bw_bytes,
    ioBytes: stats.io_bytes,
    meanLatencySeconds: (stats.clat_ns?.mean ?? 0) / 1e9,
  };
}
