/**
 * Binary payloads on the link: a batch of encoded records (possibly compressed), and a resync
 * block. Both start with u16 header length + JSON header, then the bytes.
 */
import { FrameType, ProtocolError } from "./framing.ts";

export interface BatchHeader {
  group: string;
  codec: number;
  rawLength: number;
  firstSeq: number;
  lastSeq: number;
}
export interface BlockHeader {
  group: string;
  volume: string;
  offset: number;
}

/** The frame as [framing + header, ...data]: the data (up to 1 MiB batches) is sent as is, never copied. */
export function binaryFrame(type: FrameType, header: object, data: Buffer | readonly Buffer[]): Buffer[] {
  const parts = Buffer.isBuffer(data) ? [data] : data;
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.allocUnsafe(7 + json.length);
  head.writeUInt32BE(3 + json.length + frameLength(parts), 0);
  head.writeUInt8(type, 4);
  head.writeUInt16BE(json.length, 5);
  json.copy(head, 7);
  return [head, ...parts];
}

/** Wire bytes of a frame given as parts. */
export const frameLength = (parts: readonly Buffer[]) => parts.reduce((n, b) => n + b.length, 0);

export function parseBinary<T>(payload: Buffer): { header: T; data: Buffer } {
  if (payload.length < 2) throw new ProtocolError("binary frame too short");
  const len = payload.readUInt16BE(0);
  if (payload.length < 2 + len) throw new ProtocolError("binary frame header truncated");
  let header: T;
  try {
    header = JSON.parse(payload.toString("utf8", 2, 2 + len)) as T;
  } catch {
    throw new ProtocolError("binary frame header is not JSON");
  }
  if (header === null || typeof header !== "object") throw new ProtocolError("binary frame header is not an object");
  return { header, data: payload.subarray(2 + len) };
}

export const batchFrame = (h: BatchHeader, data: readonly Buffer[]) => binaryFrame(FrameType.batch, h, data);
export const blockFrame = (h: BlockHeader, data: Buffer) => binaryFrame(FrameType.resyncBlock, h, data);
