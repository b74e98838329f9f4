/**
 * A set of fixed-size units of one volume (4 KiB blocks for a reprotect's delta, the unit of the
 * promoted volumes' maps; 64 KiB extents in records written before): what reprotect must send.
 * Ranges of any alignment go in; runs of unit indices come out.
 */
import type { ExtentRuns } from "./reversal-record.ts";

export class ExtentSet {
  private readonly units = new Set<number>();

  constructor(
    readonly volumeSize: number,
    readonly unitBytes: number,
  ) {}

  add(offset: number, length: number): void {
    if (length <= 0) return;
    const u = this.unitBytes;
    const last = Math.min(Math.ceil(this.volumeSize / u), Math.ceil((offset + length) / u));
    for (let i = Math.floor(offset / u); i < last; i++) this.units.add(i);
  }

  /** Bytes the units cover, the last one clipped to the volume size. */
  get bytes(): number {
    let n = 0;
    for (const i of this.units) n += Math.min(this.unitBytes, this.volumeSize - i * this.unitBytes);
    return n;
  }

  runs(): ExtentRuns {
    const out: ExtentRuns = [];
    for (const i of [...this.units].sort((a, b) => a - b)) {
      const run = out.at(-1);
      if (run && run[0] + run[1] === i) run[1]++;
      else out.push([i, 1]);
    }
    return out;
  }
}

/** The byte ranges of runs of `unitBytes` units, clipped to the volume size. */
export function runRanges(
  runs: ExtentRuns,
  volumeSize: number,
  unitBytes: number,
): { offset: number; length: number }[] {
  return runs.map(([first, count]) => {
    const offset = first * unitBytes;
    return { offset, length: Math.min(count * unitBytes, volumeSize - offset) };
  });
}
