/**
 * Folding source counter resets into monotonic counters. A source restart (or a wrap) makes its
 * counter go down; we keep what it had counted so the exported counter never decreases and
 * rate() in PromQL or in the collector never sees a negative step (unlike exporters that export
 * raw deltas, anchors.md Zerto).
 */
export interface CounterState {
  /** The source's last raw value. */
  lastRaw: number;
  /** What earlier incarnations of the source counted before they reset. */
  offset: number;
}

export function foldCounter(previous: CounterState | undefined, raw: number): CounterState {
  if (!previous) return { lastRaw: raw, offset: 0 };
  const offset = raw < previous.lastRaw ? previous.offset + previous.lastRaw : previous.offset;
  return { lastRaw: raw, offset };
}

export function counterValue(state: CounterState): number {
  return state.offset + state.lastRaw;
}
