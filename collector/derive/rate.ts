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

/**
 * Least-squares slope of the points, the line PromQL's deriv() and predict_linear() fit: a point
 * off the line (a journal segment trimmed just before a sample) moves it far less than it moves
 * the slope between the first and last point. 0 with fewer than two points or no elapsed time.
 */
export function leastSquaresSlope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let meanT = 0;
  let meanV = 0;
  for (const p of points) {
    meanT += p.t / n;
    meanV += p.v / n;
  }
  let covariance = 0;
  let variance = 0;
  for (const p of points) {
    covariance += (p.t - meanT) * (p.v - meanV);
    variance += (p.t - meanT) ** 2;
  }
  return variance > 0 ? covariance / variance : 0;
}

/** Ratio of two rates with a fallback when the divisor is 0 (e.g. compression with nothing sent). */
export function ratioOr(numerator: number, divisor: number, fallback: number): number {
  return divisor > 0 ? numerator / divisor : fallback;
}
