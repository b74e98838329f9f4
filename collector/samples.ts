import type { SourceSnapshot } from "./model.ts";

/** Samples in a source snapshot, for the samples-ingested self-metric: one per placed entity. */
export function countSamples(snap: SourceSnapshot): number {
  let n = snap.links.length + snap.interfaces.length;
  for (const g of snap.groups) n += 1 + g.volumes.length + (g.journal ? 1 : 0);
  return n;
}
