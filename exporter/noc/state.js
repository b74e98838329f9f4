// The page's copy of the collector snapshot, kept current from the /live feed: a full snapshot on
// connect, then deltas (collector/delta.ts) keyed like entityKey there.

const placeKey = (x) => `${x.source}/${x.tenant}/${x.site}/${x.group}`;

export const KEYS = {
  groups: placeKey,
  journals: placeKey,
  volumes: (v) => `${placeKey(v)}/${v.volume}`,
  links: (l) => `${l.source}/${l.tenant}/${l.site}/${l.link}`,
  interfaces: (i) => `${i.source}/${i.tenant}/${i.site}/${i.link}/${i.interface}`,
  sources: (s) => s.source,
};

export function emptyState() {
  return { seq: -1, timestamp: 0, ...Object.fromEntries(Object.keys(KEYS).map((c) => [c, new Map()])) };
}

export function fromSnapshot(snapshot) {
  const state = emptyState();
  state.seq = snapshot.seq;
  state.timestamp = snapshot.timestamp;
  for (const [c, key] of Object.entries(KEYS)) {
    for (const item of snapshot[c] ?? []) state[c].set(key(item), item);
  }
  return state;
}

/** Applies a delta in place; false when it does not follow the state (then resubscribe for a snapshot). */
export function applyDelta(state, delta) {
  if (delta.fromSeq !== state.seq) return false;
  for (const [c, key] of Object.entries(KEYS)) {
    for (const k of delta.remove?.[c] ?? []) state[c].delete(k);
    for (const item of delta.upsert?.[c] ?? []) state[c].set(key(item), item);
  }
  state.seq = delta.seq;
  state.timestamp = delta.timestamp;
  return true;
}
