/**
 * A set of 64 KiB extents of one volume (the dirty maps' unit, production/dirty-map.ts): what
 * reprotect must send. Ranges of any alignment go in; runs of extent indices come out.
 */
import { EXTENT_BYTES } from "../production/dirty-map.ts";
import type { ExtentRuns } from "./reversal-record.ts";

export class ExtentSet {
  private readonly extents = new Set<number>();

  constructor(readonly volumeSize: number) {}

  add(offset: number, length: number): void {
    if (length <= 0) return;
    const last = Math.min(Math.ceil(this.volumeSize / EXTENT_BYTES), Math.ceil((offset + length) / EXTENT_BYTES));
    for (let i = Math.floor(offset / EXTENT_BYTES); i < last; i++) this.extents.add(i);
  }

  /** Bytes the extents cover, the last one clipped to the volume size. */
  get bytes(): number {
    let n = 0;
    for (const i of this.extents) n += Math.min(EXTENT_BYTES, this.volumeSize - i * EXTENT_BYTES);
    return n;
  }

  runs(): ExtentRuns {
    const out: ExtentRuns = [];
    for (const i of [...this.extents].sort((a, b) => a - b)) {
      const run = out.at(-1);
      if (run && run[0] + run[1] === i) run[1]++;
      else out.push([i, 1]);
    }
    return out;
  }
}

/** The byte ranges of runs, clipped to the volume size. */
export function runRanges(runs: ExtentRuns, volumeSize: number): { offset: number; length: number }[] {
  return runs.map(([first, count]) => {
    const offset = first * EXTENT_BYTES;
    return { offset, length: Math.min(count * EXTENT_BYTES, volumeSize - offset) };
  });
}
