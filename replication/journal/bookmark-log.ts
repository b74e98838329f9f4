/**
 * `bookmarks.log`: bookmarks in their own append-only file, in the journal's record format.
 * Kept apart from the segments so that trimming a segment can never drop a bookmark that is
 * still inside the window; the file is compacted (rewritten atomically) when bookmarks age out.
 */
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Bookmark } from "../records.ts";
import { writeFileAtomic } from "./files.ts";
import { encodeRecords, type JournalRecord, RecordType } from "./record-codec.ts";
import { scanSegment } from "./segment-scan.ts";

export const BOOKMARK_FILE = "bookmarks.log";

export interface BookmarkLoad {
  bookmarks: Bookmark[];
  corrupt: { offset: number; reason: string }[];
  /** A torn final append, cut off. */
  truncatedAt: number | null;
}

export class BookmarkLog {
  private constructor(
    private readonly path: string,
    private list: Bookmark[],
  ) {}

  static async open(dir: string): Promise<{ log: BookmarkLog; load: BookmarkLoad }> {
    const path = join(dir, BOOKMARK_FILE);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      buf = Buffer.alloc(0);
    }
    const scan = scanSegment(buf);
    const bookmarks = scan.records
      .filter((s) => s.record.type === RecordType.bookmark)
      .map((s) => ({ name: s.record.payload.toString("utf8"), seq: s.record.seq, timestamp: s.record.timestamp }));
    if (scan.tail) {
      const fh = await open(path, "r+");
      await fh.truncate(scan.tail.offset);
      await fh.datasync();
      await fh.close();
    }
    return {
      log: new BookmarkLog(path, bookmarks),
      load: { bookmarks, corrupt: scan.corrupt, truncatedAt: scan.tail?.offset ?? null },
    };
  }

  all(): readonly Bookmark[] {
    return this.list;
  }

  async add(b: Bookmark): Promise<void> {
    const fh = await open(this.path, "a");
    try {
      await fh.appendFile(encodeRecords([toRecord(b)]));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    this.list.push(b);
  }

  /** Keeps only the bookmarks `keep` accepts; rewrites the file when any is dropped. */
  async retain(keep: (b: Bookmark) => boolean): Promise<void> {
    const kept = this.list.filter(keep);
    if (kept.length === this.list.length) return;
    await writeFileAtomic(this.path, encodeRecords(kept.map(toRecord)));
    this.list = kept;
  }
}

function toRecord(b: Bookmark): JournalRecord {
  return {
    type: RecordType.bookmark,
    flags: 0,
    seq: b.seq,
    timestamp: b.timestamp,
    volume: "",
    offset: 0,
    length: 0,
    payload: Buffer.from(b.name, "utf8"),
  };
}
