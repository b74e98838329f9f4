/**
 * Copy-on-write overlay: an NBD filter that makes any backend writable without touching it. Writes
 * land in a scratch file, block by block; reads take each block from the scratch file when it was
 * written, else from the backend below. The scratch space of every overlay of a test failover
 * comes out of one `ScratchBudget`, so a group's test cannot outgrow its share of the journal.
 * A write that would pass the budget is refused whole with ENOSPC before any byte moves, so a full
 * scratch area never leaves a half-written request behind.
 */
import { fdatasync } from "node:fs";
import { type FileHandle, open, rm } from "node:fs/promises";
import { readInto as readFileInto, totalLength, writeAt } from "../../lib/positional-io.ts";
import { Mutex } from "../journal/mutex.ts";
import type { NbdExportBackend } from "../nbd/backend.ts";

/** Refused because the scratch budget is spent: mapped to NBD ENOSPC by the server. */
export class ScratchFullError extends Error {
  readonly code = "ENOSPC";
  constructor(message: string) {
    super(message);
    this.name = "ScratchFullError";
  }
}

/** Bytes a group's test-failover overlays may hold in scratch, shared by all its volumes. */
export class ScratchBudget {
  private used = 0;

  constructor(readonly capacityBytes: number) {
    if (!Number.isSafeInteger(capacityBytes) || capacityBytes <= 0)
      throw new RangeError(`scratch capacity must be a positive integer, got ${capacityBytes}`);
  }

  get usedBytes(): number {
    return this.used;
  }

  /** Takes `bytes` or throws ScratchFullError, taking nothing. */
  reserve(bytes: number, what: string): void {
    if (this.used + bytes > this.capacityBytes)
      throw new ScratchFullError(
        `scratch area full: ${what} needs ${bytes} more bytes, ${this.capacityBytes - this.used} of ${this.capacityBytes} left`,
      );
    this.used += bytes;
  }
}

export interface ScratchOverlayOptions {
  /** Scratch file, created (truncated) here and deleted by `discard()`. */
  path: string;
  budget: ScratchBudget;
  /** Copy-on-write granularity; default 4 KiB (a smaller block wastes less of the budget on small writes). */
  blockBytes?: number;
}

/** Where a block's current bytes are: a slot of the scratch file, or all zeroes (no scratch used). */
type BlockPlace = { slot: number } | "zero";

const ZERO = "zero" as const;

export class ScratchOverlay implements NbdExportBackend {
  readonly readOnly = false;
  private readonly blocks = new Map<number, BlockPlace>();
  /** Slots handed out so far; slot n lives at n × blockBytes of the scratch file. */
  private slots = 0;
  /** Writes are serialized: a partial block's read-merge-write must not interleave with another write to it. */
  private readonly writeLock = new Mutex();

  private constructor(
    private readonly below: NbdExportBackend,
    private readonly file: FileHandle,
    private readonly path: string,
    private readonly budget: ScratchBudget,
    private readonly blockBytes: number,
  ) {}

  static async open(below: NbdExportBackend, options: ScratchOverlayOptions): Promise<ScratchOverlay> {
    const blockBytes = options.blockBytes ?? 4096;
    if (!Number.isInteger(blockBytes) || blockBytes < 512 || (blockBytes & (blockBytes - 1)) !== 0)
      throw new RangeError(`scratch block size must be a power of two >= 512, got ${blockBytes}`);
    const file = await open(options.path, "w+");
    return new ScratchOverlay(below, file, options.path, options.budget, blockBytes);
  }

  get name(): string {
    return this.below.name;
  }

  get size(): number {
    return this.below.size;
  }

  /** Scratch bytes this overlay holds. */
  get scratchBytes(): number {
    return this.slots * this.blockBytes;
  }

  async read(offset: number, length: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(length);
    await this.readInto(offset, out);
    return out;
  }

  /** The image below with this test's blocks laid over it, straight into `out` (the server's reused buffer). */
  async readInto(offset: number, out: Buffer): Promise<void> {
    const length = out.length;
    if (this.below.readInto) await this.below.readInto(offset, out);
    else (await this.below.read(offset, length)).copy(out);
    const bs = this.blockBytes;
    const last = Math.floor((offset + length - 1) / bs);
    for (let b = Math.floor(offset / bs); b <= last; ) {
      const place = this.blocks.get(b);
      if (!place) {
        b++;
        continue;
      }
      // A run of blocks in consecutive slots is one read of the scratch file.
      let end = b + 1;
      if (place !== ZERO)
        while (end <= last && (this.blocks.get(end) as { slot: number } | undefined)?.slot === place.slot + (end - b))
          end++;
      const from = Math.max(offset, b * bs);
      const to = Math.min(offset + length, end * bs);
      const into = out.subarray(from - offset, to - offset);
      if (place === ZERO) into.fill(0);
      else into.fill(0, await readFileInto(this.file.fd, into, place.slot * bs + (from - b * bs), "pool"));
      b = end;
    }
  }

  write(offset: number, data: readonly Buffer[], fua: boolean): Promise<void> {
    const bytes = data.length === 1 ? data[0]! : Buffer.concat(data as Buffer[], totalLength(data));
    return this.writeLock.run(async () => {
      this.reserve(
        this.blocksOf(offset, bytes.length).filter((b) => !this.hasSlot(b)),
        "write",
      );
      await this.forEachBlock(offset, bytes.length, (b, from, to) =>
        this.writeBlockPart(b, from - b * this.blockBytes, bytes.subarray(from - offset, to - offset)),
      );
      if (fua) await this.flush();
    });
  }

  /** Whole blocks without a slot are marked zero and take no scratch; the rest get zero bytes written. */
  writeZeroes(offset: number, length: number, fua: boolean): Promise<void> {
    return this.writeLock.run(async () => {
      const whole = (b: number) => b * this.blockBytes >= offset && (b + 1) * this.blockBytes <= offset + length;
      this.reserve(
        this.blocksOf(offset, length).filter((b) => !whole(b) && !this.hasSlot(b)),
        "zeroing",
      );
      await this.forEachBlock(offset, length, async (b, from, to) => {
        if (whole(b) && !this.hasSlot(b)) this.blocks.set(b, ZERO);
        else await this.writeBlockPart(b, from - b * this.blockBytes, Buffer.alloc(to - from));
      });
      if (fua) await this.flush();
    });
  }

  trim(offset: number, length: number, fua: boolean): Promise<void> {
    return this.writeZeroes(offset, length, fua);
  }

  flush(): Promise<void> {
    return new Promise((resolve, reject) => fdatasync(this.file.fd, (err) => (err ? reject(err) : resolve())));
  }

  /** Drops every write: the scratch file goes; the backend below was never written. */
  async discard(): Promise<void> {
    await this.writeLock.run(async () => {
      this.blocks.clear();
      await this.file.close();
      await rm(this.path, { force: true });
    });
  }

  private hasSlot(block: number): boolean {
    const place = this.blocks.get(block);
    return place !== undefined && place !== ZERO;
  }

  private blocksOf(offset: number, length: number): number[] {
    const out: number[] = [];
    for (let b = Math.floor(offset / this.blockBytes); b * this.blockBytes < offset + length; b++) out.push(b);
    return out;
  }

  /** Takes scratch for `fresh` blocks from the budget, all or nothing (ScratchFullError = ENOSPC). */
  private reserve(fresh: number[], what: string): void {
    this.budget.reserve(fresh.length * this.blockBytes, `${what} on ${this.name}`);
    this.reserved += fresh.length;
  }

  /** Slots reserved from the budget but not yet handed out. */
  private reserved = 0;

  private async forEachBlock(
    offset: number,
    length: number,
    each: (block: number, from: number, to: number) => Promise<void>,
  ): Promise<void> {
    for (let at = offset; at < offset + length; ) {
      const b = Math.floor(at / this.blockBytes);
      const to = Math.min(offset + length, (b + 1) * this.blockBytes);
      await each(b, at, to);
      at = to;
    }
  }

  /**
   * Writes `part` at `within` of block `b`. A block without a slot takes the next one (reserved by
   * the caller); a partial write first copies the block's current bytes, so a slot always holds
   * the whole block.
   */
  private async writeBlockPart(b: number, within: number, part: Buffer): Promise<void> {
    const place = this.blocks.get(b);
    const bs = this.blockBytes;
    if (place && place !== ZERO) {
      await writeAt(this.file.fd, [part], place.slot * bs + within);
      return;
    }
    if (this.reserved === 0) throw new Error(`block ${b} of ${this.name} has no reserved scratch`);
    this.reserved--;
    const slot = this.slots++;
    let whole = part;
    if (part.length < bs) {
      whole = Buffer.alloc(bs);
      if (place !== ZERO) (await this.below.read(b * bs, Math.min(bs, this.size - b * bs))).copy(whole);
      part.copy(whole, within);
    }
    await writeAt(this.file.fd, [whole], slot * bs);
    // Mapped only once its bytes are in the file: a concurrent read sees the old bytes or the new, never a hole.
    this.blocks.set(b, { slot });
  }
}
