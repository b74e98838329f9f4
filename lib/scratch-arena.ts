/**
 * Scratch memory reused from one unit of work to the next (a distribution batch): buffers are
 * carved from one allocation instead of allocated one by one, so steady streams of large reads
 * do not keep the garbage collector busy freeing them. Whatever `take` returned is valid only
 * until the next `begin`.
 */
export class ScratchArena {
  private memory = Buffer.allocUnsafe(0);
  private used = 0;

  /** Starts a unit of work that will take up to `bytes` in all; earlier buffers become invalid. */
  begin(bytes: number): void {
    if (this.memory.length < bytes) this.memory = Buffer.allocUnsafe(bytes);
    this.used = 0;
  }

  /** `length` bytes of uninitialized memory; beyond what `begin` announced, a fresh buffer. */
  take(length: number): Buffer {
    if (this.used + length > this.memory.length) return Buffer.allocUnsafe(length);
    const part = this.memory.subarray(this.used, this.used + length);
    this.used += length;
    return part;
  }
}
