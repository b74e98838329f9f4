/** Rates over a window of (time, value) points. */
export interface Point {
  t: number;
  v: number;
}

/**
 * Average slope between the first and last point of the window; 0 with fewer than two points or
 * no elapsed time. For folded counters this is the change rate; for gauges (backlog, journal use)
 * it is d(value)/dt and may be negative.
 */
export function windowSlope(points: readonly Point[]): number {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last || last.t <= first.t) return 0;
  return (last.v - first.v) / (last.t - first.t);
}

/** Ratio of two rates with a fallback when the divisor is 0 (e.g. compression with nothing sent). */
export function ratioOr(numerator: number, divisor: number, fallback: number): number {
  return divisor > 0 ? numerator / divisor : fallback;
}
