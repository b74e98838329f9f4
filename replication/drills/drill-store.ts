/**
 * Durable record of every DR drill (test failover) and failover a recovery site ran: an append-only file of
 * JSON lines, one line per change of a drill, fdatasync'd before the call returns. The newest line
 * of an id is the drill. A torn last line (a crash mid-append) is cut; a drill still `running`
 * when the site starts was cut short by a crash or a stop and is closed as `interrupted`.
 */
import { appendFile, open, readFile, truncate } from "node:fs/promises";
import type { Logger } from "../../lib/log.ts";

export type DrillResult = "running" | "passed" | "failed" | "interrupted";

export interface DrillRecord {
  id: string;
  kind: "test-failover" | "failover";
  group: string;
  tenant: string;
  /** The recovery point used. */
  point: { seq: number; timestamp: number; bookmark?: string };
  /** Unix seconds when the operator asked for the image. */
  startedAt: number;
  /** Unix seconds when the first byte of every volume was readable; absent until then. */
  imageReadyAt?: number;
  /** Measured RTO: imageReadyAt − startedAt. */
  rtoSeconds?: number;
  /** The group's RPO (upper bound seen from the recovery site) when the drill started. */
  rpoAtStartSeconds: number;
  /** Highest RPO of protection seen while the drill ran (replication goes on during a test). */
  maxRpoSeconds: number;
  endedAt?: number;
  result: DrillResult;
  operator: string;
  note: string;
}

export const DRILLS_FILE = "drills.jsonl";

export class DrillStore {
  private readonly drills = new Map<string, DrillRecord>();
  /** Serializes appends so lines never interleave. */
  private tail: Promise<void> = Promise.resolve();

  private constructor(private readonly path: string) {}

  static async open(path: string, logger: Logger, now: () => number): Promise<DrillStore> {
    const store = new DrillStore(path);
    const text = await readFile(path, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return "";
      throw err;
    });
    let good = 0;
    for (const line of text.split("\n")) {
      if (line.length === 0) break;
      let record: DrillRecord;
      try {
        record = JSON.parse(line) as DrillRecord;
      } catch {
        break;
      }
      store.drills.set(record.id, record);
      good += Buffer.byteLength(line) + 1;
    }
    if (good < Buffer.byteLength(text)) {
      logger.warn({ path, offset: good }, "drills: torn tail cut");
      await truncate(path, good);
    }
    for (const d of store.list())
      if (d.result === "running") {
        logger.warn(
          { drill: d.id, group: d.group },
          "drills: a drill was running when the site stopped; closed as interrupted",
        );
        await store.put({
          ...d,
          result: "interrupted",
          endedAt: now(),
          note: appendNote(d.note, "site stopped during the drill"),
        });
      }
    return store;
  }

  /** Every drill, oldest first. */
  list(): DrillRecord[] {
    return [...this.drills.values()].sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  }

  get(id: string): DrillRecord | undefined {
    return this.drills.get(id);
  }

  /** Newest passed test failover of a group, if any. */
  lastPassed(group: string): DrillRecord | undefined {
    return this.list().findLast((d) => d.group === group && d.kind === "test-failover" && d.result === "passed");
  }

  /** Newest drill of a group whose image came up, if any. */
  lastWithRto(group: string): DrillRecord | undefined {
    return this.list().findLast((d) => d.group === group && d.rtoSeconds !== undefined);
  }

  /** Writes the drill's new version durably, then makes it the current one. */
  put(record: DrillRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const done = this.tail.then(async () => {
      await appendFile(this.path, line);
      const file = await open(this.path, "r");
      try {
        await file.datasync();
      } finally {
        await file.close();
      }
      this.drills.set(record.id, record);
    });
    this.tail = done.catch(() => {});
    return done;
  }
}

function appendNote(note: string, more: string): string {
  return note ? `${note}; ${more}` : more;
}
