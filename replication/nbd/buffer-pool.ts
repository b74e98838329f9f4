/**
 * READ reply buffers reused across requests. A fresh Buffer per 256 KiB read is an allocation
 * outside V8's heap, and at GiB/s those made V8 run a mark-compact every ~50 ms: about half of
 * the server's CPU went to the garbage collector while nbdcopy read a point-in-time image. A
 * buffer comes back once the socket has written it; the pool keeps at most `maxBytes` idle.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private idleBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** A buffer of exactly `length` bytes, contents undefined, owned by the caller until `give`. */
  take(length: number): Buffer {
    const b = this.free.get(length)?.pop();
    if (!b) return Buffer.allocUnsafeSlow(length);
    this.idleBytes -= length;
    return b;
  }

  /** Returns a buffer from `take` that nothing references any more. */
  give(b: Buffer): void {
    if (this.idleBytes + b.length > this.maxBytes) return;
    let list = this.free.get(b.length);
    if (!list) {
      list = [];
      this.free.set(b.length, list);
    }
    list.push(b);
    this.idleBytes += b.length;
  }
}
