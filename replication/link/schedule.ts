/**
 * Time-of-day bandwidth limits (Zerto-style throttling windows, anchors.md §2): the first window
 * containing the site's local time wins; outside every window the base limit applies. Windows
 * may wrap midnight (e.g. 18:00-05:00, the resync window example of 001_0cf9b2a003f84c21.txt L1717).
 */
export interface LimitWindow {
  from: string;
  to: string;
  limit: number;
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function effectiveLimit(base: number, windows: readonly LimitWindow[], at: Date = new Date()): number {
  const m = at.getHours() * 60 + at.getMinutes();
  for (const w of windows) {
    const from = minutes(w.from);
    const to = minutes(w.to);
    const inside = from <= to ? m >= from && m < to : m >= from || m < to;
    if (inside) return w.limit;
  }
  return base;
}
