/**
 * The durable queue of unreplicated writes on the production site: append-only segment files of
 * encoded records. Appends are coalesced into one write per burst (survives kill -9 once the
 * write returns; small bursts are written from the event loop, lib/positional-io.ts); `sync()`
 * is a group-committed fdatasync for FLUSH/FUA. Whole segments are deleted once every record in
 * them is durable at the recovery site. Each append says where its record landed, and the link
 * reads records back from there: the queue's bytes live in the page cache, not in the process
 * (its memory stays flat however large the queue grows).
 */
import { mkdirSync, readdirSync } from "node:fs";
import { type FileHandle, open, readFile, rm, truncate } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import { readInto, totalLength, writeAt } from "../../lib/positional-io.ts";
import type { ReplicatedWrite } from "../records.ts";
import { AppendCoalescer, GroupCommit } from "./group-commit.ts";
import { decodeRecord, RecordFormatError } from "./record-codec.ts";

interface Segment {
  file: string;
  maxSeq: number;
}

/** Where an encoded record sits in the queue: segment file and byte offset. */
export interface QueuePosition {
  file: string;
  at: number;
}

/** A record found in the queue at open, with where it sits. */
export interface QueuedRecord {
  record: ReplicatedWrite;
  position: QueuePosition;
}

const SEGMENT_BYTES = 16 * 1024 * 1024;

export class SourceLog {
  private readonly appender: AppendCoalescer<QueuePosition>;
  /** Read-only handles of segments records are read back from, opened on first use. */
  private readonly readers = new Map<string, Promise<FileHandle>>();
  private readonly syncer: GroupCommit;
  private closed: Segment[] = [];
  /** Segments rotated out and not yet fdatasynced: the next sync() covers and closes them. */
  private retired: { fd: FileHandle; segment: Segment }[] = [];
  private activeSize = 0;
  /** Highest seq handed to append(); a segment's maxSeq may overstate (trimmed later), never understate. */
  private appendedMaxSeq = 0;

  private constructor(
    private readonly dir: string,
    private active: { fd: FileHandle; segment: Segment },
    private readonly logger: Logger,
  ) {
    this.appender = new AppendCoalescer((buf) => this.writeActive(buf));
    this.syncer = new GroupCommit(() => this.syncAll());
  }

  /**
   * Opens the queue in `dir` and returns the records it still holds, in seq order. A torn or
   * damaged tail (a crash mid-append) is cut off and logged; everything before it is kept.
   */
  static async open(dir: string, logger: Logger): Promise<{ log: SourceLog; records: QueuedRecord[] }> {
    mkdirSync(dir, { recursive: true });
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".seg"))
      .sort();
    const records: QueuedRecord[] = [];
    const segments: Segment[] = [];
    for (const name of files) {
      const file = join(dir, name);
      const buf = await readFile(file);
      let at = 0;
      let maxSeq = 0;
      try {
        for (let next = decodeRecord(buf, at); next; next = decodeRecord(buf, at)) {
          records.push({ record: next.record, position: { file, at } });
          maxSeq = next.record.seq;
          at += next.size;
        }
      } catch (err) {
        if (!(err instanceof RecordFormatError)) throw err;
      }
      if (at < buf.length) {
        logger.warn({ file, kept: at, dropped: buf.length - at }, "source queue: cutting torn tail");
        await truncate(file, at);
      }
      segments.push({ file, maxSeq });
    }
    const last = segments.pop();
    const segment = last ?? { file: segmentFile(dir, (records.at(-1)?.record.seq ?? 0) + 1), maxSeq: 0 };
    const active = await openSegment(segment.file);
    const log = new SourceLog(dir, { fd: active.fd, segment }, logger);
    log.closed = segments;
    log.activeSize = active.size;
    return { log, records };
  }

  /**
   * Appends encoded records ending at `lastSeq`; resolves with where they begin once they are in
   * the file (safe against a process kill).
   */
  async append(encoded: readonly Buffer[], lastSeq: number): Promise<QueuePosition> {
    this.appendedMaxSeq = Math.max(this.appendedMaxSeq, lastSeq);
    const { start, offset } = await this.appender.append(encoded);
    return { file: start.file, at: start.at + offset };
  }

  /** Reads `length` bytes of appended records starting at `position`. */
  async read(position: QueuePosition, length: number): Promise<Buffer> {
    let reader = this.readers.get(position.file);
    if (!reader) {
      reader = open(position.file, "r");
      this.readers.set(position.file, reader);
      reader.catch(() => this.readers.delete(position.file));
    }
    const into = Buffer.allocUnsafe(length);
    const got = await readInto((await reader).fd, into, position.at);
    if (got !== length) throw new Error(`source queue ${position.file}: short read at ${position.at}`);
    return into;
  }

  /** Makes every append that completed before this call durable on stable storage. */
  sync(): Promise<void> {
    return this.syncer.run();
  }

  /** Deletes closed segments whose records are all durable at the recovery site. */
  async trim(durableSeq: number): Promise<void> {
    const keep: Segment[] = [];
    for (const s of this.closed) {
      if (s.maxSeq <= durableSeq) {
        await this.closeReader(s.file);
        await rm(s.file, { force: true });
      } else keep.push(s);
    }
    this.closed = keep;
    // A deleted segment needs no sync (the recovery site holds its records): close its handle now,
    // so fio-style runs without FLUSH do not keep one open file per 16 MiB.
    const gone = this.retired.filter((r) => r.segment.maxSeq <= durableSeq);
    this.retired = this.retired.filter((r) => r.segment.maxSeq > durableSeq);
    await Promise.all(gone.map((r) => r.fd.close()));
  }

  async close(): Promise<void> {
    await this.sync();
    await this.active.fd.close();
    for (const file of [...this.readers.keys()]) await this.closeReader(file);
  }

  private async closeReader(file: string): Promise<void> {
    const reader = this.readers.get(file);
    this.readers.delete(file);
    await (await reader?.catch(() => undefined))?.close();
  }

  private async writeActive(bufs: Buffer[]): Promise<QueuePosition> {
    const start = { file: this.active.segment.file, at: this.activeSize };
    await writeAt(this.active.fd.fd, bufs, this.activeSize);
    this.activeSize += totalLength(bufs);
    this.active.segment.maxSeq = this.appendedMaxSeq;
    if (this.activeSize >= SEGMENT_BYTES) await this.rotate(this.active.segment.maxSeq + 1);
    return start;
  }

  private async syncAll(): Promise<void> {
    const retired = this.retired;
    this.retired = [];
    try {
      await Promise.all([this.active.fd.datasync(), ...retired.map((r) => r.fd.datasync())]);
    } catch (err) {
      this.retired.unshift(...retired);
      throw err;
    }
    await Promise.all(retired.map((r) => r.fd.close()));
  }

  /**
   * Starts a new segment. The old one is not fdatasynced here (that stalled every append for a
   * 16 MiB flush); it joins `retired`, so the next FLUSH/FUA group commit syncs it with the active one.
   */
  private async rotate(nextSeq: number): Promise<void> {
    const old = this.active;
    const segment = { file: segmentFile(this.dir, nextSeq), maxSeq: 0 };
    const opened = await openSegment(segment.file);
    this.active = { fd: opened.fd, segment };
    this.activeSize = opened.size;
    this.retired.push(old);
    this.closed.push(old.segment);
    this.logger.debug({ file: segment.file }, "source queue: new segment");
  }
}

/**
 * Opens a segment for positional appends at its current size ("a" would create it, but its
 * O_APPEND ignores write positions), creating it when missing.
 */
async function openSegment(file: string): Promise<{ fd: FileHandle; size: number }> {
  await (await open(file, "a")).close();
  const fd = await open(file, "r+");
  return { fd, size: (await fd.stat()).size };
}

function segmentFile(dir: string, firstSeq: number): string {
  return join(dir, `${String(firstSeq).padStart(16, "0")}.seg`);
}
