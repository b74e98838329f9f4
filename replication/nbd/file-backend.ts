/**
 * A raw image file served as an NBD export: positional I/O on one file handle. Buffered I/O plus
 * fdatasync (O_DIRECT with plain Buffers fails, anchors §5): FLUSH is one fdatasync, FUA a
 * datasync after its own write. Trim and write-zeroes write zeroes, so reads are always defined.
 */
import { fdatasync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { readAt, readInto, writeAt } from "../../lib/positional-io.ts";
import type { NbdExportBackend } from "./backend.ts";

export interface FileBackendOptions {
  name: string;
  path: string;
  readOnly?: boolean;
  /** Create or extend the file to this size; default: the file's current size (it must exist). */
  size?: number;
}

const ZERO_CHUNK = 1024 * 1024;

function datasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export class FileBackend implements NbdExportBackend {
  private zeroes: Buffer | undefined;

  private constructor(
    readonly name: string,
    readonly size: number,
    readonly readOnly: boolean,
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  static async open(options: FileBackendOptions): Promise<FileBackend> {
    const readOnly = options.readOnly ?? false;
    // With a size the file may be created: "a" creates without truncating; positional writes
    // then need "r+", because "a" would turn every write into an append.
    if (!readOnly && options.size !== undefined) await (await open(options.path, "a")).close();
    const file = await open(options.path, readOnly ? "r" : "r+");
    try {
      let size = (await file.stat()).size;
      if (options.size !== undefined && size !== options.size) {
        if (readOnly) throw new Error(`${options.path}: size is ${size}, expected ${options.size}`);
        await file.truncate(options.size);
        size = options.size;
      }
      return new FileBackend(options.name, size, readOnly, options.path, file);
    } catch (err) {
      await file.close();
      throw err;
    }
  }

  read(offset: number, length: number): Promise<Buffer> {
    // On the pool: a client's concurrent reads of cold data must not wait for each other.
    return readAt(this.file.fd, length, offset, "pool");
  }

  async readInto(offset: number, into: Buffer): Promise<void> {
    into.fill(0, await readInto(this.file.fd, into, offset, "pool"));
  }

  async write(offset: number, data: readonly Buffer[], fua: boolean): Promise<void> {
    await writeAt(this.file.fd, data, offset);
    if (fua) await datasync(this.file.fd);
  }

  flush(): Promise<void> {
    return datasync(this.file.fd);
  }

  trim(offset: number, length: number, fua: boolean): Promise<void> {
    return this.writeZeroes(offset, length, fua);
  }

  async writeZeroes(offset: number, length: number, fua: boolean): Promise<void> {
    this.zeroes ??= Buffer.alloc(ZERO_CHUNK);
    for (let at = 0; at < length; at += ZERO_CHUNK) {
      const n = Math.min(ZERO_CHUNK, length - at);
      await this.write(offset + at, [this.zeroes.subarray(0, n)], false);
    }
    if (fua) await datasync(this.file.fd);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
