/**
 * Persistent dirty-extent map for bitmap mode: one byte per extent per volume (simple, and a
 * 32 MiB volume at 64 KiB extents is 512 bytes). A mark is written to the file before the client
 * is acknowledged, so the extents survive a process kill; `sync()` makes them durable for FLUSH.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { GroupCommit } from "./group-commit.ts";

/** DRBD tracks 4 KiB bitmap bits under 4 MiB activity-log extents (anchors.md §2); 64 KiB is our middle ground. */
export const EXTENT_BYTES = 64 * 1024;

export class DirtyMap {
  private readonly syncer: GroupCommit;

  private constructor(
    private readonly fd: FileHandle,
    private readonly bits: Uint8Array,
    readonly volumeSize: number,
  ) {
    this.syncer = new GroupCommit(() => this.fd.datasync());
  }

  static async open(file: string, volumeSize: number): Promise<DirtyMap> {
    const extents = Math.ceil(volumeSize / EXTENT_BYTES);
    const raw = openSync(file, "a+");
    ftruncateSync(raw, extents);
    const bits = new Uint8Array(extents);
    readSync(raw, bits, 0, extents, 0);
    closeSync(raw);
    return new DirtyMap(await open(file, "r+"), bits, volumeSize);
  }

  get dirtyExtents(): number {
    let n = 0;
    for (const b of this.bits) n += b;
    return n;
  }

  /** Marks the extents covering [offset, offset+length); resolves once the marks are in the file. */
  async mark(offset: number, length: number): Promise<void> {
    const first = Math.floor(offset / EXTENT_BYTES);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / EXTENT_BYTES);
    let changed = false;
    for (let i = first; i <= last; i++) {
      if (this.bits[i] === 0) {
        this.bits[i] = 1;
        changed = true;
      }
    }
    if (changed) await this.fd.write(this.bits, first, last - first + 1, first);
  }

  /** Byte ranges of dirty extents, clipped to the volume size. */
  ranges(): { offset: number; length: number }[] {
    const out: { offset: number; length: number }[] = [];
    this.bits.forEach((b, i) => {
      if (b) {
        const offset = i * EXTENT_BYTES;
        out.push({ offset, length: Math.min(EXTENT_BYTES, this.volumeSize - offset) });
      }
    });
    return out;
  }

  /** Adds another map's marks into this one (a resync that a crash interrupted is redone). */
  async merge(other: DirtyMap): Promise<void> {
    for (const r of other.ranges()) await this.mark(r.offset, r.length);
  }

  async clear(): Promise<void> {
    this.bits.fill(0);
    await this.fd.write(this.bits, 0, this.bits.length, 0);
    await this.fd.datasync();
  }

  sync(): Promise<void> {
    return this.syncer.run();
  }

  close(): Promise<void> {
    return this.fd.close();
  }
}

/** The dirty ranges a map file holds (none when it does not exist), read without opening it for writing. */
export function readDirtyRanges(file: string): { offset: number; length: number }[] {
  if (!existsSync(file)) return [];
  const out: { offset: number; length: number }[] = [];
  readFileSync(file).forEach((b, i) => {
    if (b) out.push({ offset: i * EXTENT_BYTES, length: EXTENT_BYTES });
  });
  return out;
}
