/**
 * Differences between two ModelSnapshots, for the live feed: entities added or changed, and keys
 * of entities gone. Applying a delta to the snapshot of `fromSeq` yields the snapshot of `seq`.
 */
import type { GroupPlace, ModelSnapshot } from "./snapshot.ts";

type Collection = "groups" | "volumes" | "journals" | "links" | "interfaces" | "sources";
type Item<C extends Collection> = ModelSnapshot[C][number];

export interface SnapshotDelta {
  fromSeq: number;
  seq: number;
  timestamp: number;
  upsert: { [C in Collection]: Item<C>[] };
  remove: { [C in Collection]: string[] };
}

const placeKey = (x: GroupPlace): string => `${x.source}/${x.tenant}/${x.site}/${x.group}`;

/** Stable identity of each entity within its collection; the live page keys its rows by it. */
export const entityKey: { [C in Collection]: (item: Item<C>) => string } = {
  groups: placeKey,
  journals: placeKey,
  volumes: (v) => `${placeKey(v)}/${v.volume}`,
  links: (l) => `${l.source}/${l.tenant}/${l.site}/${l.link}`,
  interfaces: (i) => `${i.source}/${i.tenant}/${i.site}/${i.link}/${i.interface}`,
  sources: (s) => s.source,
};

const COLLECTIONS = Object.keys(entityKey) as Collection[];

export function snapshotDelta(previous: ModelSnapshot, next: ModelSnapshot): SnapshotDelta {
  const delta: SnapshotDelta = {
    fromSeq: previous.seq,
    seq: next.seq,
    timestamp: next.timestamp,
    upsert: { groups: [], volumes: [], journals: [], links: [], interfaces: [], sources: [] },
    remove: { groups: [], volumes: [], journals: [], links: [], interfaces: [], sources: [] },
  };
  for (const c of COLLECTIONS) diff(c, previous[c], next[c], delta);
  return delta;
}

function diff<C extends Collection>(c: C, before: readonly Item<C>[], after: readonly Item<C>[], delta: SnapshotDelta) {
  const key = entityKey[c] as (item: Item<C>) => string;
  const old = new Map(before.map((item) => [key(item), item]));
  for (const item of after) {
    const k = key(item);
    const was = old.get(k);
    old.delete(k);
    if (was === undefined || !sameData(was, item)) (delta.upsert[c] as Item<C>[]).push(item);
  }
  delta.remove[c].push(...old.keys());
}

/** Deep equality of plain JSON-like data (numbers, strings, booleans, null, arrays, objects). */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b);
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!sameData((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
