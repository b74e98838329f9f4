/**
 * The replica images of a group's volumes: raw files, created sparse at the volume size. Writes
 * are buffered; `sync` makes every image written since the last sync durable.
 */
import { createHash } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { type ReadPlacement, readAt, readInto, writeAt } from "../../lib/positional-io.ts";
import type { VolumeConfig } from "../config.ts";

const ZERO_CHUNK = 1024 * 1024;

async function openOrCreate(path: string): Promise<{ fh: FileHandle; created: boolean }> {
  try {
    return { fh: await open(path, "r+"), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return { fh: await open(path, "wx+"), created: true };
  }
}

export class Replicas {
  private readonly dirty = new Set<string>();

  private constructor(
    private readonly images: Map<string, { fh: FileHandle; size: number }>,
    /** Volumes whose image file did not exist and was created empty by this open. */
    readonly created: readonly string[],
  ) {}

  static async open(dir: string, volumes: readonly VolumeConfig[]): Promise<Replicas> {
    const images = new Map<string, { fh: FileHandle; size: number }>();
    const created: string[] = [];
    try {
      for (const v of volumes) {
        const { fh: image, created: isNew } = await openOrCreate(v.path ?? join(dir, `${v.name}.img`));
        if (isNew) created.push(v.name);
        images.set(v.name, { fh: image, size: v.size });
        if ((await image.stat()).size < v.size) await image.truncate(v.size);
      }
    } catch (err) {
      for (const { fh } of images.values()) await fh.close();
      throw err;
    }
    return new Replicas(images, created);
  }

  /** Throws unless [offset, offset+length) lies inside the volume. */
  checkRange(volume: string, offset: number, length: number): void {
    const image = this.images.get(volume);
    if (!image) throw new Error(`unknown volume "${volume}"`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
      throw new Error(`volume "${volume}": invalid range ${offset}+${length}`);
    if (offset + length > image.size)
      throw new Error(`volume "${volume}": range ${offset}+${length} is past its size ${image.size}`);
  }

  /** Reads for point-in-time images and resync checksums, on the thread pool (they may be cold). */
  read(volume: string, offset: number, length: number): Promise<Buffer> {
    return readAt(this.image(volume).fh.fd, length, offset, "pool");
  }

  /**
   * Fills `into` from the volume's image. Distribution reads its old bytes with small reads on the
   * event loop (a batch is at most 4 MiB, and the replica's recently written ranges are usually
   * cached); point-in-time reads use the pool, as they may be cold.
   */
  async readInto(volume: string, offset: number, into: Buffer, placement?: ReadPlacement): Promise<Buffer> {
    into.fill(0, await readInto(this.image(volume).fh.fd, into, offset, placement));
    return into;
  }

  async write(volume: string, offset: number, data: Buffer): Promise<void> {
    await writeAt(this.image(volume).fh.fd, [data], offset);
    this.dirty.add(volume);
  }

  async writeZeroes(volume: string, offset: number, length: number): Promise<void> {
    const zeros = Buffer.alloc(Math.min(length, ZERO_CHUNK));
    for (let done = 0; done < length; done += zeros.length) {
      await this.write(volume, offset + done, zeros.subarray(0, Math.min(zeros.length, length - done)));
    }
  }

  async sync(): Promise<void> {
    for (const volume of this.dirty) await this.image(volume).fh.datasync();
    this.dirty.clear();
  }

  /** First 16 bytes of SHA-256 of each block; the last block may be short. */
  async checksums(volume: string, offset: number, length: number, blockSize: number): Promise<Buffer[]> {
    if (!Number.isSafeInteger(blockSize) || blockSize <= 0) throw new Error(`invalid block size ${blockSize}`);
    this.checkRange(volume, offset, length);
    const digests: Buffer[] = [];
    for (let at = offset; at < offset + length; at += blockSize) {
      const block = await this.read(volume, at, Math.min(blockSize, offset + length - at));
      digests.push(createHash("sha256").update(block).digest().subarray(0, 16));
    }
    return digests;
  }

  async close(): Promise<void> {
    await this.sync();
    for (const { fh } of this.images.values()) await fh.close();
    this.images.clear();
  }

  private image(volume: string): { fh: FileHandle; size: number } {
    const image = this.images.get(volume);
    if (!image) throw new Error(`unknown volume "${volume}"`);
    return image;
  }
}
