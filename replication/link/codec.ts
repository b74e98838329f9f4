/**
 * Batch compression on the link. lz4 runs on the napi async pool (off the event loop); zstd-napi
 * offers a synchronous call only, at level 1 (anchors.md §5: 272 MiB/s, ratio 2.93). A batch
 * that does not shrink goes out raw, so incompressible data costs no decode time on the far side.
 * Decoding never produces more than the batch header's rawLength, itself bounded by the frame
 * limit: a damaged or hostile batch cannot make the recovery site allocate more.
 */
import { createRequire } from "node:module";
import { compress as lz4Compress, uncompress as lz4Uncompress } from "lz4-napi";
import { compress as zstdCompress } from "zstd-napi";
import type * as ZstdBinding from "zstd-napi/binding.js";
import { MAX_FRAME_BYTES, ProtocolError } from "./framing.ts";

/** zstd-napi's native layer (CommonJS): its decompress writes into a buffer we size. */
const zstdBinding = createRequire(import.meta.url)("zstd-napi/binding") as typeof ZstdBinding;

export type Compression = "off" | "lz4" | "zstd";
const CODES: Record<Compression, number> = { off: 0, lz4: 1, zstd: 2 };

/** A sample of this size is compressed first; a batch whose sample barely shrinks is sent raw (anchors.md §5). */
const SAMPLE_BYTES = 64 * 1024;
const WORTHWHILE_RATIO = 0.9;

/**
 * Compresses a batch given as consecutive parts (record headers and data). Raw batches stay parts
 * and go on the wire without being joined; only a batch worth compressing is concatenated.
 */
export async function compressBatch(
  parts: readonly Buffer[],
  codec: Compression,
): Promise<{ code: number; data: readonly Buffer[] }> {
  const total = parts.reduce((n, b) => n + b.length, 0);
  if (codec === "off" || total < 512) return { code: 0, data: parts };
  if (total > SAMPLE_BYTES * 2) {
    // The sample comes from the largest part (a record's data), so no concatenation is needed for it.
    const largest = parts.reduce((a, b) => (b.length > a.length ? b : a));
    const from = Math.max(0, Math.floor(largest.length / 2) - SAMPLE_BYTES / 2);
    const sample = largest.subarray(from, from + SAMPLE_BYTES);
    const packed = codec === "lz4" ? await lz4Compress(sample) : zstdCompress(sample, { compressionLevel: 1 });
    if (packed.length > sample.length * WORTHWHILE_RATIO) return { code: 0, data: parts };
  }
  const raw = parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  const data = codec === "lz4" ? await lz4Compress(raw) : zstdCompress(raw, { compressionLevel: 1 });
  return data.length < raw.length ? { code: CODES[codec], data: [data] } : { code: 0, data: parts };
}

export async function decompressBatch(code: number, data: Buffer, rawLength: number): Promise<Buffer> {
  if (!Number.isSafeInteger(rawLength) || rawLength < 0 || rawLength > MAX_FRAME_BYTES)
    throw new ProtocolError(`batch rawLength ${rawLength} out of range (0 to ${MAX_FRAME_BYTES})`);
  let raw: Buffer;
  try {
    if (code === 0) raw = data;
    else if (code === 1) raw = await lz4Decompress(data, rawLength);
    else if (code === 2) raw = zstdDecompress(data, rawLength);
    else throw new Error(`unknown codec ${code}`);
  } catch (err) {
    throw new ProtocolError(`cannot decompress batch: ${(err as Error).message}`);
  }
  if (raw.length !== rawLength) throw new ProtocolError(`batch is ${raw.length} bytes, header says ${rawLength}`);
  return raw;
}

/** lz4-napi blocks start with their decoded size (u32 LE); a mismatch is refused before any allocation. */
function lz4Decompress(data: Buffer, rawLength: number): Promise<Buffer> {
  const declared = data.length >= 4 ? data.readUInt32LE(0) : -1;
  if (declared !== rawLength) throw new Error(`lz4 block declares ${declared} bytes, header says ${rawLength}`);
  return lz4Uncompress(data);
}

/** Into a buffer of exactly rawLength: a frame declaring or producing more fails instead of growing. */
function zstdDecompress(data: Buffer, rawLength: number): Buffer {
  const out = Buffer.allocUnsafe(rawLength);
  const n = zstdBinding.decompress(out, data);
  return n === rawLength ? out : out.subarray(0, n);
}
