/**
 * The extents reprotect sends from the new production site to the old one, by volume: every
 * extent whose content may differ between the two sites, and no other.
 * (a) written at the new production since the promotion (the promoted volumes' maps);
 * (b) written by the old production after the failover point and rolled back here (the journal's
 *     records above the point: the old image still holds them);
 * (c) held by the old production beyond what the journal acknowledged (its divergence report:
 *     queued changes, dirty maps, and writes after the split).
 * Everything else was identical at the point and has been written by neither side since.
 * The unit is the 4 KiB block: (a) is tracked in 4 KiB blocks and (b) is exact, so scattered small
 * writes cost what they wrote; (c) is as fine as the old side kept it (its dirty maps: 64 KiB).
 */
import type { GroupConfig } from "../config.ts";
import { BLOCK_BYTES } from "../production/dirty-map.ts";
import type { DivergenceReport, Range } from "../production/divergence.ts";
import { ExtentSet } from "./extent-set.ts";
import type { ExtentRuns } from "./reversal-record.ts";

export interface DeltaSources {
  config: GroupConfig;
  /** (a) by volume. */
  writtenHere: (volume: string) => Range[];
  /** (b) by volume. */
  rolledBack: (volume: string) => Range[];
  /** (c) */
  report: DivergenceReport;
}

export interface Delta {
  extents: Record<string, ExtentRuns>;
  /** Unit of the runs in `extents`. */
  unitBytes: number;
  /** Bytes of the blocks to send. */
  bytesToSend: number;
  /** Bytes written here since the promotion (blocks), for the split-brain message. */
  writtenHereBytes: number;
}

export function reprotectDelta(s: DeltaSources): Delta {
  const extents: Record<string, ExtentRuns> = {};
  let bytesToSend = 0;
  let writtenHereBytes = 0;
  for (const v of s.config.volumes) {
    const set = new ExtentSet(v.size, BLOCK_BYTES);
    const here = new ExtentSet(v.size, BLOCK_BYTES);
    const add = (ranges: Range[], into: ExtentSet[]) => {
      for (const r of ranges) for (const x of into) x.add(r.offset, r.length);
    };
    add(s.writtenHere(v.name), [set, here]);
    add(s.rolledBack(v.name), [set]);
    add(s.report.ranges[v.name] ?? [], [set]);
    extents[v.name] = set.runs();
    bytesToSend += set.bytes;
    writtenHereBytes += here.bytes;
  }
  return { extents, unitBytes: BLOCK_BYTES, bytesToSend, writtenHereBytes };
}
