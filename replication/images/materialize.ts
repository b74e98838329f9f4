/**
 * Materializing a recovery point into new raw image files, one per volume of the group: a long
 * operation that reads the point under a pin, as image access does (so distribution, replication
 * and retention go on while it runs), and reports progress, bytes and ETA. Each file is written as
 * `<volume>.img.partial`, made durable, then renamed: a file named `<volume>.img` is always whole.
 * Zero chunks are skipped over, so the files are sparse where the volume is zero.
 */
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { isAllZero } from "../../lib/all-zero.ts";
import type { Logger } from "../../lib/log.ts";
import { writeAllAt } from "../../lib/positional-io.ts";
import { syncDir } from "../journal/files.ts";
import type { ImageGroup } from "./image-access.ts";
import type { HeldPoint } from "./movable-point.ts";
import { PointError, type PointSpec, type RecoveryPoint, resolvePoint } from "./recovery-point.ts";

export interface MaterializeView {
  group: string;
  point: RecoveryPoint;
  outDir: string;
  state: "running" | "done" | "failed";
  startedAt: number;
  endedAt?: number;
  totalBytes: number;
  doneBytes: number;
  percent: number;
  /** Average rate so far; absent before the first chunk is written. */
  bytesPerSecond?: number;
  /** Seconds left at that rate, while running; absent before a rate is known. */
  etaSeconds?: number;
  /** One raw image per volume, present under this path once `state` is `done`. */
  files: { volume: string; path: string }[];
  error?: string;
}

/** Refused request: `status` is the HTTP status the control API answers with. */
export class MaterializeError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = "MaterializeError";
  }
}

export interface MaterializeOptions {
  logger: Logger;
  now?: () => number;
  /** Bytes per read of the point and write of the file; default 4 MiB. */
  chunkBytes?: number;
}

/** Reads of the point in flight per volume: enough to keep journal and replica reads overlapping. */
const READS_IN_FLIGHT = 4;

interface Job {
  view: MaterializeView;
  aborted: boolean;
  done: Promise<void>;
}

export class Materializer {
  private readonly jobs = new Map<string, Job>();
  private readonly now: () => number;
  private readonly chunkBytes: number;

  constructor(private readonly opts: MaterializeOptions) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.chunkBytes = opts.chunkBytes ?? 4 * 1024 * 1024;
  }

  /**
   * Starts writing the point into `outDir` (created if missing) and answers at once with the job's
   * view; everything is checked first, so a refused request leaves no file and no pin behind.
   */
  async start(g: ImageGroup, spec: PointSpec, outDir: string): Promise<MaterializeView> {
    const name = g.config.name;
    if (this.jobs.get(name)?.view.state === "running")
      throw new MaterializeError(409, `group "${name}" is already being materialized; wait for it to end`);
    if (!isAbsolute(outDir)) throw new MaterializeError(400, `out must be an absolute directory path, got "${outDir}"`);
    const startedAt = this.now();
    const point = resolvePoint(g.journal, spec, startedAt);
    const files = g.config.volumes.map((v) => ({ volume: v.name, path: join(outDir, `${v.name}.img`) }));
    await assertFreeDirectory(outDir, files);
    const pin = pinPoint(g, point);
    try {
      await mkdir(outDir, { recursive: true });
    } catch (err) {
      pin.release();
      throw new MaterializeError(400, `out "${outDir}" cannot be created: ${(err as Error).message}`);
    }
    const view: MaterializeView = {
      group: name,
      point,
      outDir,
      state: "running",
      startedAt,
      totalBytes: g.config.volumes.reduce((n, v) => n + v.size, 0),
      doneBytes: 0,
      percent: 0,
      files,
    };
    const job: Job = { view, aborted: false, done: Promise.resolve() };
    this.jobs.set(name, job);
    job.done = this.run(job, g, pin);
    this.opts.logger.info({ group: name, seq: point.seq, outDir }, "materialize started");
    return this.view(name)!;
  }

  /** The group's running or last job, with progress figured now; undefined when none ran. */
  view(group: string): MaterializeView | undefined {
    const job = this.jobs.get(group);
    if (!job) return undefined;
    const v = job.view;
    const elapsed = (v.endedAt ?? this.now()) - v.startedAt;
    const rate = v.doneBytes > 0 && elapsed > 0 ? v.doneBytes / elapsed : undefined;
    return {
      ...v,
      files: [...v.files],
      percent: v.totalBytes === 0 ? 100 : (100 * v.doneBytes) / v.totalBytes,
      ...(rate !== undefined && { bytesPerSecond: rate }),
      ...(rate !== undefined && v.state === "running" && { etaSeconds: (v.totalBytes - v.doneBytes) / rate }),
    };
  }

  /** Stops every running job (site shutdown): its partial files are removed, its pin released. */
  async closeAll(): Promise<void> {
    for (const job of this.jobs.values()) job.aborted = true;
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  private async run(job: Job, g: ImageGroup, pin: HeldPoint): Promise<void> {
    const v = job.view;
    try {
      for (const volume of g.config.volumes) {
        const path = v.files.find((f) => f.volume === volume.name)!.path;
        await this.writeVolume(job, pin, volume.name, volume.size, path);
      }
      await syncDir(v.outDir);
      v.state = "done";
      this.opts.logger.info({ group: v.group, seq: v.point.seq, bytes: v.doneBytes }, "materialize done");
    } catch (err) {
      v.state = "failed";
      v.error = (err as Error).message;
      for (const f of v.files) await rm(`${f.path}.partial`, { force: true });
      this.opts.logger.error({ group: v.group, err }, "materialize failed");
    } finally {
      v.endedAt = this.now();
      pin.release();
    }
  }

  private async writeVolume(job: Job, pin: HeldPoint, volume: string, size: number, path: string): Promise<void> {
    const partial = `${path}.partial`;
    const file = await open(partial, "wx");
    try {
      await file.truncate(size);
      let next = 0;
      const worker = async () => {
        while (next < size) {
          if (job.aborted) throw new Error("stopped: the site is shutting down");
          const at = next;
          const length = Math.min(this.chunkBytes, size - at);
          next += length;
          const bytes = await pin.read(volume, at, length);
          if (!isAllZero(bytes)) await writeAllAt(file.fd, [bytes], at);
          job.view.doneBytes += length;
        }
      };
      // allSettled: the file must not close while another worker still writes to its descriptor.
      const failed = (await Promise.allSettled(Array.from({ length: READS_IN_FLIGHT }, worker))).find(
        (r) => r.status === "rejected",
      );
      if (failed) throw failed.reason;
      await file.datasync();
    } finally {
      await file.close();
    }
    await rename(partial, path);
  }
}

/** The point was in the window when resolved; retention may have trimmed it since (then the request is refused). */
function pinPoint(g: ImageGroup, point: RecoveryPoint): HeldPoint {
  try {
    return g.journal.pin(point.seq, `materialize ${g.config.name}@${point.seq}`);
  } catch (err) {
    if (err instanceof RangeError) throw new PointError(400, `the point left the recoverable window: ${err.message}`);
    throw err;
  }
}

/** `outDir` is a directory, or missing, and holds none of the files to write. */
async function assertFreeDirectory(outDir: string, files: readonly { path: string }[]): Promise<void> {
  const existing = await stat(outDir).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw new MaterializeError(400, `out "${outDir}" is not a directory`);
  const taken: string[] = [];
  const exists = (p: string) =>
    stat(p).then(
      () => true,
      () => false,
    );
  for (const f of files) for (const p of [f.path, `${f.path}.partial`]) if (await exists(p)) taken.push(p);
  if (taken.length > 0)
    throw new MaterializeError(
      409,
      `refusing to overwrite ${taken.join(", ")}: remove it or choose another out directory`,
    );
}
