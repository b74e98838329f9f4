/**
 * In-memory index entries for journal records that carry volume bytes, and the overlap steps
 * distribution uses for the old bytes under earlier writes of the same batch.
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

/**
 * For each range of a batch, the indices of the earlier ranges of the batch that overlap it on the
 * same volume, ascending. Sorted by position and swept, so a batch of 512 scattered small writes
 * costs a sort rather than the n²/2 comparisons of every pair.
 */
export function earlierOverlaps(batch: readonly { volume: string; offset: number; length: number }[]): number[][] {
  const order = batch
    .map((_, i) => i)
    .sort((a, b) => {
      const x = batch[a]!;
      const y = batch[b]!;
      if (x.volume !== y.volume) return x.volume < y.volume ? -1 : 1;
      return x.offset - y.offset || a - b;
    });
  const earlier: number[][] = batch.map(() => []);
  for (let s = 0; s < order.length; s++) {
    const first = batch[order[s]!]!;
    for (let t = s + 1; t < order.length; t++) {
      const next = batch[order[t]!]!;
      // Sorted by offset: once a range starts at or past this one's end, so do all after it.
      if (next.volume !== first.volume || next.offset >= first.offset + first.length) break;
      if (next.length === 0) continue;
      earlier[Math.max(order[s]!, order[t]!)]!.push(Math.min(order[s]!, order[t]!));
    }
  }
  for (const list of earlier) list.sort((a, b) => a - b);
  return earlier;
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
