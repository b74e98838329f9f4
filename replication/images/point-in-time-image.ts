/**
 * A volume as of one recovery point, served read-only over NBD without copying it: every read is
 * the replica's bytes overlaid with the journal's undo (or pending redo) for the point, read under
 * the session's pin, so the first byte is there as soon as the export is, whatever the size of the
 * journal or the volume, and distribution and retention go on (retention keeps the pinned range).
 */
import type { NbdExportBackend } from "../nbd/backend.ts";

/** Reads volumes as of one point: a journal pin (replication/journal/pins.ts) satisfies it. */
export interface PointReader {
  readonly seq: number;
  read(volume: string, offset: number, length: number): Promise<Buffer>;
  /** `read` into the caller's buffer: what the NBD server's reused reply buffers are filled by. */
  readInto(volume: string, offset: number, into: Buffer): Promise<void>;
}

export class PointInTimeImage implements NbdExportBackend {
  readonly readOnly = true;

  constructor(
    readonly name: string,
    readonly size: number,
    private readonly volume: string,
    private readonly point: PointReader,
  ) {}

  read(offset: number, length: number): Promise<Buffer> {
    return this.point.read(this.volume, offset, length);
  }

  readInto(offset: number, into: Buffer): Promise<void> {
    return this.point.readInto(this.volume, offset, into);
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
