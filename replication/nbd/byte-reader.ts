/**
 * Pull-style reader over a socket: `read(n)` resolves with exactly n bytes. Received chunks are
 * queued as they arrive and joined once per frame (not on every `data` event), which roughly
 * doubles throughput (anchors §5). The socket is paused while more than `highWaterMark` bytes
 * wait unread, so a client cannot make us buffer without bound.
 */
import type { Socket } from "node:net";

export class ConnectionClosedError extends Error {
  constructor(message = "connection closed") {
    super(message);
    this.name = "ConnectionClosedError";
  }
}

const SKIP_SLICE = 256 * 1024;

interface PendingRead {
  length: number;
  /** Deliver the bytes as the received chunks' views instead of one joined Buffer. */
  parts: boolean;
  resolve: (b: Buffer | Buffer[]) => void;
  reject: (e: Error) => void;
}

export class ByteReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private pending: PendingRead | undefined;
  private closedError: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly highWaterMark = 1024 * 1024,
  ) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("end", () => this.fail(new ConnectionClosedError()));
    socket.on("close", () => this.fail(new ConnectionClosedError()));
    socket.on("error", (err) => this.fail(new ConnectionClosedError(`connection error: ${err.message}`)));
  }

  /** Bytes received and not yet consumed. */
  get available(): number {
    return this.buffered;
  }

  /** Takes `length` bytes if they have all arrived, without waiting; saves a promise per frame. */
  tryRead(length: number): Buffer | undefined {
    return !this.pending && this.buffered >= length ? this.take(length) : undefined;
  }

  read(length: number): Promise<Buffer> {
    return this.wait(length, false) as Promise<Buffer>;
  }

  /** `tryRead` for a payload: the bytes as views of the chunks they arrived in, not copied into one Buffer. */
  tryReadParts(length: number): Buffer[] | undefined {
    return !this.pending && this.buffered >= length ? this.takeParts(length) : undefined;
  }

  /** `read` for a payload, as views of the received chunks (a 1 MiB payload arrives in ~16). */
  readParts(length: number): Promise<Buffer[]> {
    return this.wait(length, true) as Promise<Buffer[]>;
  }

  private wait(length: number, parts: boolean): Promise<Buffer | Buffer[]> {
    if (this.pending) return Promise.reject(new Error("ByteReader: concurrent read"));
    if (this.buffered >= length) return Promise.resolve(parts ? this.takeParts(length) : this.take(length));
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.pending = { length, parts, resolve, reject };
      this.socket.resume();
    });
  }

  /** Consumes and drops `length` bytes, holding at most one slice of them at a time. */
  async skip(length: number): Promise<void> {
    for (let left = length; left > 0; ) {
      const n = Math.min(left, SKIP_SLICE);
      await this.readParts(n);
      left -= n;
    }
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const p = this.pending;
    if (p && this.buffered >= p.length) {
      this.pending = undefined;
      p.resolve(p.parts ? this.takeParts(p.length) : this.take(p.length));
    }
    if (this.buffered >= this.highWaterMark && !(this.pending && this.pending.length > this.buffered)) {
      this.socket.pause();
    }
  }

  private fail(err: Error): void {
    this.closedError ??= err;
    const p = this.pending;
    if (p) {
      this.pending = undefined;
      p.reject(this.closedError);
    }
  }

  private take(length: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= length) {
      out = first.subarray(0, length);
      this.dropFromFirst(first, length);
    } else {
      out = Buffer.allocUnsafe(length);
      let at = 0;
      while (at < length) {
        const c = this.chunks[0]!;
        const n = Math.min(c.length, length - at);
        c.copy(out, at, 0, n);
        at += n;
        this.dropFromFirst(c, n);
      }
    }
    this.consumed(length);
    return out;
  }

  private takeParts(length: number): Buffer[] {
    const parts: Buffer[] = [];
    for (let left = length; left > 0; ) {
      const c = this.chunks[0]!;
      const n = Math.min(c.length, left);
      parts.push(n === c.length ? c : c.subarray(0, n));
      this.dropFromFirst(c, n);
      left -= n;
    }
    this.consumed(length);
    return parts;
  }

  private consumed(length: number): void {
    this.buffered -= length;
    if (this.buffered < this.highWaterMark && this.socket.isPaused()) this.socket.resume();
  }

  private dropFromFirst(first: Buffer, n: number): void {
    if (n === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
  }
}
