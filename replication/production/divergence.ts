/**
 * What a fenced production group reports to the site it failed over to (docs/recovery.md
 * "Reprotect"): every range it holds that the recovery journal may not — its queued changes not
 * yet durable there, and the extents of its dirty maps (bitmap mode, an interrupted resync) — and
 * the source time of its newest acknowledged write, which is how a split brain is detected. The
 * report is complete once the group is fenced: from then on it takes no writes.
 */
import type { DirtyMap } from "./dirty-map.ts";
import type { QueuedChange } from "./pending-queue.ts";

export interface Range {
  offset: number;
  length: number;
}

export interface DivergenceReport {
  /** The reporting (old production) site. */
  site: string;
  /** Its clock when it was fenced. */
  fencedAt: number;
  /** Its clock at its newest client write (0 when it never took one). */
  newestWriteTs: number;
  /** Ranges it holds beyond what the recovery journal acknowledged, by volume. */
  ranges: Record<string, Range[]>;
  /** It listens for a link (`link.listen`), so replication can be reversed towards it. */
  canReceive: boolean;
}

/** What the report reads of a production group. */
export interface DivergentGroup {
  readonly fenced: Readonly<{ toSite: string; sinceTimestamp: number }> | null;
  readonly newestWriteTs: number;
  readonly pending: Iterable<QueuedChange>;
  readonly volumes: ReadonlyMap<string, { dirty: DirtyMap; resyncing: DirtyMap; delta: DirtyMap | null }>;
}

export function divergenceReport(site: string, g: DivergentGroup, canReceive: boolean): DivergenceReport {
  if (!g.fenced) throw new Error("only a fenced group reports what it holds beyond its recovery site");
  const ranges: Record<string, Range[]> = {};
  for (const [name, v] of g.volumes)
    ranges[name] = [...v.dirty.ranges(), ...v.resyncing.ranges(), ...(v.delta?.ranges() ?? [])];
  for (const c of g.pending) ranges[c.volume]?.push({ offset: c.offset, length: c.length });
  return { site, fencedAt: g.fenced.sinceTimestamp, newestWriteTs: g.newestWriteTs, ranges, canReceive };
}
