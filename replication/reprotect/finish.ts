/**
 * Carries out a reversal recorded at this site (reversal-record.ts), before the site opens the
 * group in its new direction: the old direction's files are removed (retire.ts) and, at the new
 * production site, the group is seeded with the blocks to send. Redone from the start when a
 * crash cut it short: nothing has been served in the new direction until the phase moves on.
 */
import { join } from "node:path";
import type { GroupConfig } from "../config.ts";
import { EXTENT_BYTES } from "../production/dirty-map.ts";
import { ProductionGroup } from "../production/production-group.ts";
import { runRanges } from "./extent-set.ts";
import { retireOldDirection } from "./retire.ts";
import { type ReversalRecord, writeReversal } from "./reversal-record.ts";

export async function finishReversal(
  dataDir: string,
  config: GroupConfig,
  record: ReversalRecord,
  now: number,
): Promise<ReversalRecord> {
  if (record.phase !== "retiring") return record;
  const groups = join(dataDir, "groups");
  const dir = join(groups, config.name);
  await retireOldDirection(dir, config);
  let next: ReversalRecord;
  if (record.direction === "production") {
    await ProductionGroup.seed({
      dataDir: groups,
      config,
      ranges: (volume) =>
        runRanges(
          record.extents?.[volume] ?? [],
          config.volumes.find((v) => v.name === volume)!.size,
          record.unitBytes ?? EXTENT_BYTES,
        ),
      since: record.atRiskSince ?? record.startedAt,
      kind: record.compareAll ? "fast" : "extents",
    });
    next = { ...record, phase: "resyncing" };
  } else {
    next = { ...record, phase: "protected", endedAt: now };
  }
  await writeReversal(dir, next);
  return next;
}
