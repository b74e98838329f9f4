/**
 * A promoted volume's export that remembers where it was written: every write, trim or zero marks
 * its 4 KiB blocks in a persistent dirty map (`<group dir>/<volume>.written`) before the client
 * is acknowledged, and FLUSH syncs the map with the image. Reprotect sends exactly those blocks
 * (plus what the old production site holds that this one does not) instead of whole volumes.
 */
import { totalLength } from "../../lib/positional-io.ts";
import type { NbdExportBackend } from "../nbd/backend.ts";
import type { FileBackend } from "../nbd/file-backend.ts";
import type { DirtyMap } from "../production/dirty-map.ts";

/** One byte per 4 KiB block (dirty-map.ts BLOCK_BYTES); named apart from the 64 KiB maps of earlier builds. */
export const PROMOTED_MAP_SUFFIX = ".written";

export class TrackedBackend implements NbdExportBackend {
  readonly readOnly = false;

  constructor(
    private readonly file: FileBackend,
    private readonly written: DirtyMap,
  ) {}

  get name(): string {
    return this.file.name;
  }

  get size(): number {
    return this.file.size;
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.file.read(offset, length);
  }

  async write(offset: number, data: readonly Buffer[], fua: boolean): Promise<void> {
    await this.marked(offset, totalLength(data), fua);
    await this.file.write(offset, data, fua);
  }

  async flush(): Promise<void> {
    await Promise.all([this.written.sync(), this.file.flush()]);
  }

  async trim(offset: number, length: number, fua: boolean): Promise<void> {
    await this.marked(offset, length, fua);
    await this.file.trim(offset, length, fua);
  }

  async writeZeroes(offset: number, length: number, fua: boolean): Promise<void> {
    await this.marked(offset, length, fua);
    await this.file.writeZeroes(offset, length, fua);
  }

  /** The mark is in the map file before the data moves: a crash can over-report a block, never miss one. */
  private async marked(offset: number, length: number, fua: boolean): Promise<void> {
    await this.written.mark(offset, length);
    if (fua) await this.written.sync();
  }

  async close(): Promise<void> {
    await this.written.sync();
    await this.written.close();
    await this.file.flush();
    await this.file.close();
  }
}
