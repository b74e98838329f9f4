/**
 * Batch compression on the link. lz4 runs on the napi async pool (off the event loop); zstd-napi
 * offers a synchronous call only, at level 1 (anchors.md §5: 272 MiB/s, ratio 2.93). A batch
 * that does not shrink goes out raw, so incompressible data costs no decode time on the far side.
 */
import { compress as lz4Compress, uncompress as lz4Uncompress } from "lz4-napi";
import { compress as zstdCompress, decompress as zstdDecompress } from "zstd-napi";
import { ProtocolError } from "./framing.ts";

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
  let raw: Buffer;
  try {
    if (code === 0) raw = data;
    else if (code === 1) raw = await lz4Uncompress(data);
    else if (code === 2) raw = zstdDecompress(data);
    else throw new Error(`unknown codec ${code}`);
  } catch (err) {
    throw new ProtocolError(`cannot decompress batch: ${(err as Error).message}`);
  }
  if (raw.length !== rawLength) throw new ProtocolError(`batch is ${raw.length} bytes, header says ${rawLength}`);
  return raw;
}
