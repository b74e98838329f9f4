/**
 * A raw image file on the production site: positional reads and writes plus a group-committed
 * fdatasync. Zeroes and trims are written as zeroes so both sites stay byte-identical.
 */
import { existsSync, mkdirSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import { readAt, readInto, writeAt } from "../../lib/positional-io.ts";
import { GroupCommit } from "./group-commit.ts";

const ZEROES = Buffer.alloc(1024 * 1024);

export class VolumeImage {
  private readonly syncer: GroupCommit;

  private constructor(
    readonly name: string,
    readonly size: number,
    private readonly fd: FileHandle,
    /** The file did not exist and was created empty by this open. */
    readonly created: boolean,
  ) {
    this.syncer = new GroupCommit(() => this.fd.datasync());
  }

  /** Opens the image, creating a sparse file of `size` bytes when it does not exist. */
  static async open(name: string, path: string, size: number): Promise<VolumeImage> {
    mkdirSync(dirname(path), { recursive: true });
    const created = !existsSync(path);
    const fd = await open(path, created ? "w+" : "r+");
    const actual = (await fd.stat()).size;
    if (actual < size) await fd.truncate(size);
    else if (actual > size) {
      await fd.close();
      throw new Error(`image ${path} is ${actual} bytes, larger than the configured ${size}`);
    }
    return new VolumeImage(name, size, fd, created);
  }

  read(offset: number, length: number): Promise<Buffer> {
    // On the pool: a client's concurrent reads of cold data must not wait for each other.
    return readAt(this.fd.fd, length, offset, "pool");
  }

  /** `read` into the caller's buffer (the NBD server's reused reply buffer); the file is `size` long, so it fills it. */
  async readInto(offset: number, into: Buffer): Promise<void> {
    into.fill(0, await readInto(this.fd.fd, into, offset, "pool"));
  }

  /** Writes `data`, given as consecutive parts, at `offset`. */
  write(offset: number, data: readonly Buffer[]): Promise<void> {
    return writeAt(this.fd.fd, data, offset);
  }

  async zero(offset: number, length: number): Promise<void> {
    for (let at = 0; at < length; at += ZEROES.length)
      await this.write(offset + at, [ZEROES.subarray(0, Math.min(ZEROES.length, length - at))]);
  }

  sync(): Promise<void> {
    return this.syncer.run();
  }

  close(): Promise<void> {
    return this.fd.close();
  }
}
