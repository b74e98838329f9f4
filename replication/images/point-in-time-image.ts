/**
 * A volume as of one recovery point, served read-only over NBD without copying it: every read is
 * the replica's bytes overlaid with the journal's undo (or pending redo) for the point, so the
 * first byte is there as soon as the export is, whatever the size of the journal or the volume.
 */
import type { NbdExportBackend } from "../nbd/server.ts";

/** Reads a volume as of a seq of the journal (RecoveryGroup satisfies it). */
export interface PointReader {
  readAt(volume: string, atSeq: number, offset: number, length: number): Promise<Buffer>;
}

export class PointInTimeImage implements NbdExportBackend {
  readonly readOnly = true;

  constructor(
    readonly name: string,
    readonly size: number,
    private readonly volume: string,
    readonly seq: number,
    private readonly journal: PointReader,
  ) {}

  read(offset: number, length: number): Promise<Buffer> {
    return this.journal.readAt(this.volume, this.seq, offset, length);
  }

  // The NBD server refuses writes to a read-only export with EPERM before they reach a backend;
  // these answer any caller that bypasses it.
  write(): Promise<void> {
    return Promise.reject(readOnlyError(this.name));
  }

  trim(): Promise<void> {
    return Promise.reject(readOnlyError(this.name));
  }

  writeZeroes(): Promise<void> {
    return Promise.reject(readOnlyError(this.name));
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}

function readOnlyError(name: string): Error {
  return Object.assign(new Error(`${name}: a point-in-time image is read-only`), { code: "EROFS" });
}
