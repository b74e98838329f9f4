/**
 * The journal's append-only segment files `seg-<ordinal>.log` in the group directory. Segments
 * are named by a counter rather than by a first seq because undo records (appended at
 * distribution) and redo records (appended at receipt) interleave: two segments could otherwise
 * start with the same seq. Appends go to the newest segment; a batch never spans two segments.
 */
import { type FileHandle, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { type ReadPlacement, readInto, writeAllAt } from "../../lib/positional-io.ts";
import { syncDir } from "./files.ts";

export interface SegmentFile {
  ordinal: number;
  name: string;
  size: number;
}

const NAME = /^seg-(\d{12})\.log$/;
export const segmentName = (ordinal: number) => `seg-${String(ordinal).padStart(12, "0")}.log`;

export class SegmentStore {
  private readonly handles = new Map<number, FileHandle>();
  /** Newest segment has unsynced bytes (applied markers are written without their own fdatasync). */
  private dirty = false;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private readonly files: SegmentFile[],
  ) {}

  static async open(dir: string, segmentBytes: number): Promise<SegmentStore> {
    const files: SegmentFile[] = [];
    for (const entry of await readdir(dir)) {
      const m = NAME.exec(entry);
      if (m) files.push({ ordinal: Number(m[1]), name: entry, size: 0 });
    }
    files.sort((a, b) => a.ordinal - b.ordinal);
    const store = new SegmentStore(dir, segmentBytes, files);
    for (const f of files) f.size = (await (await store.handle(f.ordinal)).stat()).size;
    return store;
  }

  list(): readonly SegmentFile[] {
    return this.files;
  }

  usedBytes(): number {
    return this.files.reduce((n, f) => n + f.size, 0);
  }

  async readWhole(ordinal: number): Promise<Buffer> {
    const f = this.file(ordinal);
    return this.read(ordinal, 0, f.size);
  }

  async read(ordinal: number, at: number, length: number): Promise<Buffer> {
    // Not zero-filled: a short read throws, so no byte of it is ever used unwritten.
    const buf = Buffer.allocUnsafe(length);
    await this.readInto(ordinal, at, buf);
    return buf;
  }

  /** Fills `into` with the segment's bytes at `at`; throws if the segment ends first. */
  async readInto(ordinal: number, at: number, into: Buffer, placement?: ReadPlacement): Promise<void> {
    const bytesRead = await readInto((await this.handle(ordinal)).fd, into, at, placement);
    if (bytesRead !== into.length) throw new Error(`${segmentName(ordinal)}: short read at ${at}`);
  }

  /** Cuts a torn tail; made durable at once so a second crash cannot resurrect it. */
  async truncate(ordinal: number, size: number): Promise<void> {
    const fh = await this.handle(ordinal);
    await fh.truncate(size);
    await fh.datasync();
    this.file(ordinal).size = size;
  }

  /**
   * Appends the parts with one writev and, when `sync`, one fdatasync (the group commit). Returns
   * where it landed. A failed write is cut back off so the segment never keeps half a batch.
   */
  async append(parts: readonly Buffer[], sync: boolean): Promise<{ ordinal: number; at: number }> {
    const bytes = parts.reduce((n, b) => n + b.length, 0);
    let last = this.files.at(-1);
    if (!last || (last.size > 0 && last.size + bytes > this.segmentBytes)) last = await this.roll();
    const fh = await this.handle(last.ordinal);
    const at = last.size;
    try {
      await writeAllAt(fh.fd, parts, at);
      if (sync) await fh.datasync();
    } catch (err) {
      await fh.truncate(at).catch(() => {});
      throw err;
    }
    last.size += bytes;
    this.dirty = !sync;
    return { ordinal: last.ordinal, at };
  }

  async remove(ordinal: number): Promise<void> {
    await this.handles.get(ordinal)?.close();
    this.handles.delete(ordinal);
    await unlink(join(this.dir, segmentName(ordinal)));
    this.files.splice(
      this.files.findIndex((f) => f.ordinal === ordinal),
      1,
    );
  }

  async removeAll(): Promise<void> {
    for (const f of [...this.files]) await this.remove(f.ordinal);
    await syncDir(this.dir);
  }

  async close(): Promise<void> {
    const last = this.files.at(-1);
    if (last && this.dirty) await (await this.handle(last.ordinal)).datasync();
    for (const fh of this.handles.values()) await fh.close();
    this.handles.clear();
  }

  private async roll(): Promise<SegmentFile> {
    const prev = this.files.at(-1);
    if (prev && this.dirty) await (await this.handle(prev.ordinal)).datasync();
    const ordinal = (prev?.ordinal ?? 0) + 1;
    const file = { ordinal, name: segmentName(ordinal), size: 0 };
    this.handles.set(ordinal, await open(join(this.dir, file.name), "wx+"));
    await syncDir(this.dir);
    this.files.push(file);
    this.dirty = false;
    return file;
  }

  private file(ordinal: number): SegmentFile {
    const f = this.files.find((s) => s.ordinal === ordinal);
    if (!f) throw new Error(`segment ${segmentName(ordinal)} is not in the journal`);
    return f;
  }

  private async handle(ordinal: number): Promise<FileHandle> {
    let fh = this.handles.get(ordinal);
    if (!fh) {
      fh = await open(join(this.dir, segmentName(ordinal)), "r+");
      this.handles.set(ordinal, fh);
    }
    return fh;
  }
}
