/**
 * The durable record of each report schedule: when the stack first ran it and its last completed
 * run. Missed-run catch-up reads it at start: a slot after the last completed run (or, for a
 * schedule never run, after it was first seen) that has passed is run once. Written whole to a
 * temporary file, synced and renamed over the old one, so a crash leaves the old or the new record.
 */
import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";

export interface CompletedRun {
  /** The scheduled time this run was for (ISO 8601). */
  slot: string;
  /** The period reported, e.g. "2026-11" or "2026-11-30". */
  period: string;
  finishedAt: string;
  files: string[];
  mailedTo: string[];
}

interface ScheduleRecord {
  /** When this stack first ran the schedule: slots before it are not caught up. */
  firstSeen: string;
  lastRun?: CompletedRun;
}

interface RecordFile {
  version: 1;
  schedules: Record<string, ScheduleRecord>;
}

export class RunRecord {
  private constructor(
    readonly path: string,
    private readonly file: RecordFile,
  ) {}

  /** Reads the record; none yet is an empty record, an unreadable one a clear error. */
  static async open(path: string): Promise<RunRecord> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return new RunRecord(path, { version: 1, schedules: {} });
      throw err;
    }
    let file: RecordFile;
    try {
      file = JSON.parse(text) as RecordFile;
      if (file.version !== 1 || typeof file.schedules !== "object" || file.schedules === null) {
        throw new Error("not a version 1 record");
      }
    } catch (err) {
      throw new Error(
        `report schedule record ${path} is unreadable (${(err as Error).message}): move it away to start afresh (missed runs are then not caught up)`,
      );
    }
    return new RunRecord(path, file);
  }

  /** The time after which a passed slot of this schedule has not been run: its last run's slot, else its first sight. */
  coveredUntil(id: string): number | undefined {
    const r = this.file.schedules[id];
    if (!r) return undefined;
    return Date.parse(r.lastRun?.slot ?? r.firstSeen);
  }

  lastRun(id: string): CompletedRun | undefined {
    return this.file.schedules[id]?.lastRun;
  }

  /** Notes a schedule's first sight at `nowMs`; a schedule already known is left as it is. */
  async seen(id: string, nowMs: number): Promise<void> {
    if (this.file.schedules[id]) return;
    this.file.schedules[id] = { firstSeen: new Date(nowMs).toISOString() };
    await this.save();
  }

  async completed(id: string, run: CompletedRun): Promise<void> {
    const firstSeen = this.file.schedules[id]?.firstSeen ?? run.slot;
    this.file.schedules[id] = { firstSeen, lastRun: run };
    await this.save();
  }

  private async save(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    const handle = await open(tmp, "w");
    try {
      await handle.writeFile(`${JSON.stringify(this.file, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.path);
    const dir = await open(dirname(this.path), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
