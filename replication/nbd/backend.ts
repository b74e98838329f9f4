/**
 * The one interface between the NBD server core and what it serves, as nbdkit's plugin header is:
 * a backend is a plugin (a file, a protected volume, a point-in-time image); a filter is a backend
 * that wraps another and passes on what it does not change (e.g. a copy-on-write overlay).
 * The server calls it concurrently; contract details in docs/nbd.md.
 */

export interface NbdExportBackend {
  readonly name: string;
  readonly size: number; // bytes
  readonly readOnly: boolean;
  read(offset: number, length: number): Promise<Buffer>;
  /**
   * Optional: fills `into` (the server's reused reply buffer) with the bytes at `offset`. When a
   * backend has it the server reads through it and allocates nothing per request; the backend must
   * not touch `into` once the promise has resolved.
   */
  readInto?(offset: number, into: Buffer): Promise<void>;
  /** `data` is the payload as received, in consecutive parts: joining a 1 MiB payload would cost a copy. */
  write(offset: number, data: readonly Buffer[], fua: boolean): Promise<void>;
  flush(): Promise<void>; // everything completed before must be durable when this resolves
  trim(offset: number, length: number, fua: boolean): Promise<void>;
  writeZeroes(offset: number, length: number, fua: boolean): Promise<void>;
}
