/**
 * A gzip body assembled from independently compressed segments, so the multi-megabyte part of a
 * scrape is compressed once per snapshot and only the few per-scrape lines are compressed per
 * scrape. Each segment is a raw deflate stream ended by a sync flush (byte-aligned, not final,
 * no back-references across segments); the member ends with an empty final block and the CRC-32
 * and length of the whole text (RFC 1951, 1952). One member, so every gzip client decodes it.
 */
import { promisify } from "node:util";
import { constants, crc32, deflateRaw, deflateRawSync } from "node:zlib";

export interface GzipSegment {
  readonly text: Buffer;
  readonly deflated: Buffer;
  /** CRC-32 after this segment for the last starting CRC seen: a cached prefix is checksummed once. */
  crc?: { from: number; to: number };
}

// Level 1: ~20× smaller than the text at a fraction of the default level's CPU. A sync flush ends
// each segment on a byte boundary, so segments concatenate into one stream.
const DEFLATE = { level: 1, finishFlush: constants.Z_SYNC_FLUSH };
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
/** An empty final block with fixed Huffman codes: ends the deflate stream. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

export function gzipSegment(text: Buffer): GzipSegment {
  return { text, deflated: deflateRawSync(text, DEFLATE) };
}

export function gzipMember(segments: readonly GzipSegment[]): Buffer {
  let crc = 0;
  let length = 0;
  for (const s of segments) {
    if (s.crc?.from !== crc) s.crc = { from: crc, to: crc32(s.text, crc) };
    crc = s.crc.to;
    length += s.text.length;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  return Buffer.concat([HEADER, ...segments.map((s) => s.deflated), FINAL_BLOCK, trailer]);
}

const deflateRawAsync = promisify(deflateRaw);

/** gzipSegment on libuv's thread pool, off the event loop. */
export async function gzipSegmentAsync(text: Buffer): Promise<GzipSegment> {
  return { text, deflated: await deflateRawAsync(text, DEFLATE) };
}
