/**
 * In-memory index entries for journal records that carry volume bytes, and the overlay step
 * shared by distribution (old bytes under earlier writes of the same batch) and point-in-time
 * reads (replica rolled back by undo, or forward by redo).
 */

/** Where a record's payload sits: segment ordinal and byte offset of the payload in it. */
export interface PayloadLocation {
  ordinal: number;
  at: number;
}

export interface Extent {
  seq: number;
  timestamp: number;
  volume: string;
  offset: number;
  length: number;
  /** null: the bytes are zeroes (zero/trim redo, or an undo of zeroes). */
  payload: PayloadLocation | null;
  /** Encoded size of the record in the journal. */
  bytes: number;
}

/** Copies the overlap of `src` (volume bytes at `srcOffset`) into `target` (volume bytes at `targetOffset`). */
export function copyOverlap(target: Buffer, targetOffset: number, src: Buffer, srcOffset: number): void {
  const start = Math.max(targetOffset, srcOffset);
  const end = Math.min(targetOffset + target.length, srcOffset + src.length);
  if (start < end) src.copy(target, start - targetOffset, start - srcOffset, end - srcOffset);
}

export function zeroOverlap(target: Buffer, targetOffset: number, offset: number, length: number): void {
  const start = Math.max(targetOffset, offset);
  const end = Math.min(targetOffset + target.length, offset + length);
  if (start < end) target.fill(0, start - targetOffset, end - targetOffset);
}

export type PayloadReader = (loc: PayloadLocation, length: number) => Promise<Buffer>;

/**
 * Copies the part of `extent`'s bytes that overlaps [targetOffset, targetOffset+target.length)
 * of the volume into `target`.
 */
export async function overlay(
  target: Buffer,
  targetOffset: number,
  extent: Extent,
  read: PayloadReader,
): Promise<void> {
  if (!extent.payload) {
    zeroOverlap(target, targetOffset, extent.offset, extent.length);
    return;
  }
  const start = Math.max(targetOffset, extent.offset);
  const end = Math.min(targetOffset + target.length, extent.offset + extent.length);
  if (start >= end) return;
  const bytes = await read(
    { ordinal: extent.payload.ordinal, at: extent.payload.at + start - extent.offset },
    end - start,
  );
  bytes.copy(target, start - targetOffset);
}
