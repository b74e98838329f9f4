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

/** One allocation and one copy of the data: frames carry up to 1 MiB batches. */
export function binaryFrame(type: FrameType, header: object, data: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.allocUnsafe(7 + json.length + data.length);
  out.writeUInt32BE(3 + json.length + data.length, 0);
  out.writeUInt8(type, 4);
  out.writeUInt16BE(json.length, 5);
  json.copy(out, 7);
  data.copy(out, 7 + json.length);
  return out;
}

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

export const batchFrame = (h: BatchHeader, data: Buffer) => binaryFrame(FrameType.batch, h, data);
export const blockFrame = (h: BlockHeader, data: Buffer) => binaryFrame(FrameType.resyncBlock, h, data);
