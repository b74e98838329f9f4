/**
 * Persistent dirty-extent map for bitmap mode: one byte per extent per volume (simple, and a
 * 32 MiB volume at 64 KiB extents is 512 bytes). Maps that must name what was written to the
 * block (reprotect's, replication/reprotect) use 4 KiB units: 256 KiB of map per GiB of volume. A mark is written to the file before the client
 * is acknowledged, so the extents survive a process kill; `sync()` makes them durable for FLUSH.
 */
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, readSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { GroupCommit } from "./group-commit.ts";

/** DRBD tracks 4 KiB bitmap bits under 4 MiB activity-log extents (anchors.md §2); 64 KiB is our middle ground. */
export const EXTENT_BYTES = 64 * 1024;
/** The block unit of the maps reprotect plans from: scattered 4 KiB writes are sent as written. */
export const BLOCK_BYTES = 4 * 1024;

export class DirtyMap {
  private readonly syncer: GroupCommit;

  private constructor(
    private readonly fd: FileHandle,
    private readonly bits: Uint8Array,
    readonly volumeSize: number,
    readonly unitBytes: number,
  ) {
    this.syncer = new GroupCommit(() => this.fd.datasync());
  }

  static async open(file: string, volumeSize: number, unitBytes = EXTENT_BYTES): Promise<DirtyMap> {
    const extents = Math.ceil(volumeSize / unitBytes);
    const raw = openSync(file, "a+");
    ftruncateSync(raw, extents);
    const bits = new Uint8Array(extents);
    readSync(raw, bits, 0, extents, 0);
    closeSync(raw);
    return new DirtyMap(await open(file, "r+"), bits, volumeSize, unitBytes);
  }

  get dirtyExtents(): number {
    let n = 0;
    for (const b of this.bits) n += b;
    return n;
  }

  /** Marks the extents covering [offset, offset+length); resolves once the marks are in the file. */
  async mark(offset: number, length: number): Promise<void> {
    const first = Math.floor(offset / this.unitBytes);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / this.unitBytes);
    let changed = false;
    for (let i = first; i <= last; i++) {
      if (this.bits[i] === 0) {
        this.bits[i] = 1;
        changed = true;
      }
    }
    if (changed) await this.fd.write(this.bits, first, last - first + 1, first);
  }

  /** Byte ranges of dirty extents, one per extent, clipped to the volume size. */
  ranges(): { offset: number; length: number }[] {
    return unitRanges(this.bits, this.unitBytes, this.volumeSize);
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
export function readDirtyRanges(
  file: string,
  unitBytes = EXTENT_BYTES,
  volumeSize = Number.POSITIVE_INFINITY,
): { offset: number; length: number }[] {
  return existsSync(file) ? unitRanges(readFileSync(file), unitBytes, volumeSize) : [];
}

function unitRanges(bits: Uint8Array, unitBytes: number, volumeSize: number): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  bits.forEach((b, i) => {
    if (!b) return;
    const offset = i * unitBytes;
    out.push({ offset, length: Math.min(unitBytes, volumeSize - offset) });
  });
  return out;
}
