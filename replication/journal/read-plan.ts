/**
 * Where each byte of a point-in-time read comes from, worked out before any byte is read: the undo
 * with the smallest seq above the point that covers it, else the newest undistributed redo at or
 * below the point, else the replica (point-reads.ts says why that is exact). A pure function of the
 * interval index, so a read touches each source once, for exactly the bytes it gives.
 */
import { BUCKET_BYTES } from "./extent-map.ts";
import type { Extent } from "./extents.ts";

/** Extents over a range inside one bucket, in seq order (ExtentMap satisfies it). */
export interface ExtentLookup {
  inBucket(offset: number, length: number, lo: number, hi: number, newestFirst: boolean): Iterable<Extent>;
}

/** Volume bytes [start, end) and their source: an extent's bytes, or the replica's when `extent` is null. */
export interface Piece {
  start: number;
  end: number;
  extent: Extent | null;
}

type Gap = { start: number; end: number };

export interface PointOfRead {
  /** The point read. */
  seq: number;
  /** Redo through this seq is on the replica. */
  appliedSeq: number;
}

/** Sources of [offset, offset+length) as of `at`, adjacent pieces of one source merged, in offset order. */
export function planRead(
  sources: { undo: ExtentLookup; redo: ExtentLookup },
  at: PointOfRead,
  offset: number,
  length: number,
): Piece[] {
  const pieces: Piece[] = [];
  const end = offset + length;
  for (let from = offset; from < end; ) {
    const to = Math.min(end, (Math.floor(from / BUCKET_BYTES) + 1) * BUCKET_BYTES);
    let gaps = [{ start: from, end: to }];
    // The undo of the smallest seq above the point holds a byte's value at the point: oldest first.
    gaps = paint(gaps, sources.undo.inBucket(from, to - from, at.seq, Number.POSITIVE_INFINITY, false), pieces);
    gaps = paint(gaps, sources.redo.inBucket(from, to - from, at.appliedSeq, at.seq, true), pieces);
    for (const g of gaps) pieces.push({ ...g, extent: null });
    from = to;
  }
  return merged(pieces);
}

/**
 * Replica pieces that undo with seq above `afterSeq` now covers: undo added while the replica
 * was read, whose bytes replace what the read got there (oldest undo first).
 */
export function lateUndo(undo: ExtentLookup, replicaPieces: readonly Piece[], afterSeq: number): Piece[] {
  const out: Piece[] = [];
  for (const p of replicaPieces)
    for (let from = p.start; from < p.end; ) {
      const to = Math.min(p.end, (Math.floor(from / BUCKET_BYTES) + 1) * BUCKET_BYTES);
      paint([{ start: from, end: to }], undo.inBucket(from, to - from, afterSeq, Number.POSITIVE_INFINITY, false), out);
      from = to;
    }
  return merged(out);
}

/** Gives each extent, in the order met, the parts of `gaps` it covers; returns what is still uncovered. */
function paint(gaps: Gap[], extents: Iterable<Extent>, out: Piece[]): Gap[] {
  for (const e of extents) {
    if (gaps.length === 0) break;
    const next: Gap[] = [];
    for (const g of gaps) {
      const start = Math.max(g.start, e.offset);
      const end = Math.min(g.end, e.offset + e.length);
      if (start >= end) {
        next.push(g);
        continue;
      }
      out.push({ start, end, extent: e });
      if (g.start < start) next.push({ start: g.start, end: start });
      if (end < g.end) next.push({ start: end, end: g.end });
    }
    gaps = next;
  }
  return gaps;
}

function merged(pieces: Piece[]): Piece[] {
  pieces.sort((a, b) => a.start - b.start);
  const out: Piece[] = [];
  for (const p of pieces) {
    const prev = out.at(-1);
    if (prev && prev.end === p.start && prev.extent === p.extent) prev.end = p.end;
    else out.push({ ...p });
  }
  return out;
}
