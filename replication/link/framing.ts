/**
 * Link framing: u32 length (of type + payload), u8 type, payload. Incoming bytes are gathered and
 * concatenated once per frame (anchors.md §5: per-chunk concatenation halves throughput). A frame
 * that is too large or of an unknown type is a protocol error: the caller logs it and disconnects.
 */
import { MAX_CHANGE_BYTES } from "../records.ts";

export const FrameType = {
  hello: 1,
  challenge: 2,
  proof: 3,
  welcome: 4,
  batch: 5,
  ack: 6,
  heartbeat: 7,
  heartbeatAck: 8,
  request: 9,
  reply: 10,
  resyncBlock: 11,
  refused: 12,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];
const TYPES = new Set<number>(Object.values(FrameType));

/** Upper bound for one frame before the peer has authenticated: handshake messages are small, so garbage cannot make us buffer much. */
export const MAX_HANDSHAKE_FRAME_BYTES = 64 * 1024;
/** Upper bound for one frame after: a batch (at most `link.batchBytes`, or one change of the largest size), plus headers. */
export const MAX_FRAME_BYTES = MAX_CHANGE_BYTES + 1024 * 1024;

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

export interface Frame {
  type: FrameType;
  payload: Buffer;
}

export function encodeFrame(type: FrameType, payload: Buffer): Buffer {
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head.writeUInt8(type, 4);
  return Buffer.concat([head, payload]);
}

export function jsonFrame(type: FrameType, value: unknown): Buffer {
  return encodeFrame(type, Buffer.from(JSON.stringify(value)));
}

export function parseJson<T>(frame: Frame): T {
  try {
    const value = JSON.parse(frame.payload.toString("utf8")) as unknown;
    if (value === null || typeof value !== "object") throw new Error("not an object");
    return value as T;
  } catch (err) {
    throw new ProtocolError(`bad JSON in frame type ${frame.type}: ${(err as Error).message}`);
  }
}

export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Starts at the handshake limit; raised to MAX_FRAME_BYTES once the peer has authenticated. */
  constructor(public maxFrameBytes = MAX_HANDSHAKE_FRAME_BYTES) {}

  /** Adds bytes and returns every complete frame; throws ProtocolError on a malformed frame. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.buffered < 5) return frames;
      const head = this.peek(5);
      const length = head.readUInt32BE(0);
      const type = head.readUInt8(4);
      if (length < 1 || length > this.maxFrameBytes)
        throw new ProtocolError(`frame length ${length} out of range (at most ${this.maxFrameBytes} here)`);
      if (!TYPES.has(type)) throw new ProtocolError(`unknown frame type ${type}`);
      if (this.buffered < 4 + length) return frames;
      const all = this.take(4 + length);
      frames.push({ type: type as FrameType, payload: all.subarray(5) });
    }
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length >= n) return this.chunks[0]!;
    const joined = Buffer.concat(this.chunks);
    this.chunks = [joined];
    return joined;
  }

  private take(n: number): Buffer {
    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = joined.length > n ? [joined.subarray(n)] : [];
    this.buffered -= n;
    return joined.subarray(0, n);
  }
}
