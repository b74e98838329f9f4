/** Figures over minute slots (NaN = no sample): percentiles, runs, counter increments, a linear trend. */

/** Reused by percentile: a report takes thousands of them over a month of minutes. */
let scratch = new Float64Array(0);

/** Nearest-rank percentile of the measured values (NaN skipped); null when nothing was measured. */
export function percentile(values: ArrayLike<number>, p: number): number | null {
  if (scratch.length < values.length) scratch = new Float64Array(values.length);
  const measured = scratch;
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) measured[n++] = values[i]!;
  if (n === 0) return null;
  return kthSmallest(measured, n, Math.max(0, Math.ceil(p * n) - 1));
}

/**
 * The k-th smallest (0-based) of the first n values, by quickselect: what sorting would put at k,
 * in linear time (the values are reordered).
 */
function kthSmallest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

export function maximum(values: ArrayLike<number>): number | null {
  let best: number | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v) && (best === null || v > best)) best = v;
  }
  return best;
}

export function minimum(values: ArrayLike<number>): number | null {
  let best: number | null = null;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v) && (best === null || v < best)) best = v;
  }
  return best;
}

export function mean(values: ArrayLike<number>): number | null {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    sum += values[i]!;
    n++;
  }
  return n === 0 ? null : sum / n;
}

/** The last measured value, or null. */
export function last(values: ArrayLike<number>): number | null {
  for (let i = values.length - 1; i >= 0; i--) if (!Number.isNaN(values[i])) return values[i]!;
  return null;
}

export function countWhere(values: ArrayLike<number>, test: (v: number, slot: number) => boolean): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]) && test(values[i]!, i)) n++;
  return n;
}

/** A run of slots [start, end). */
export interface Run {
  start: number;
  end: number;
}

/** Runs of consecutive measured slots passing the test; a slot without a sample ends a run. */
export function runs(values: ArrayLike<number>, test: (v: number) => boolean): Run[] {
  const found: Run[] = [];
  let start = -1;
  for (let i = 0; i <= values.length; i++) {
    const inside = i < values.length && !Number.isNaN(values[i]) && test(values[i]!);
    if (inside && start < 0) start = i;
    if (!inside && start >= 0) {
      found.push({ start, end: i });
      start = -1;
    }
  }
  return found;
}

/**
 * Increase of a counter into each slot: the difference from the previous sample, the new value
 * after a reset (a drop). NaN where there is no sample or no earlier sample to compare with: the
 * increase before the first sample of the period is unknown, not zero. An increase across a gap
 * lands in the first slot after it (the counter measured it; its spread over the gap is unknown).
 */
export function increments(
  values: ArrayLike<number>,
  out: Float64Array = new Float64Array(values.length),
): Float64Array {
  out.fill(Number.NaN);
  let previous = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (!Number.isNaN(previous)) out[i] = v >= previous ? v - previous : v;
    previous = v;
  }
  return out;
}

/** Per-minute rate (per second) from increments: only where the previous slot was measured too. */
export function minuteRates(
  counter: ArrayLike<number>,
  inc: ArrayLike<number>,
  slotSeconds: number,
  out: Float64Array = new Float64Array(inc.length),
): Float64Array {
  out.fill(Number.NaN);
  for (let i = 1; i < inc.length; i++) {
    if (!Number.isNaN(inc[i]) && !Number.isNaN(counter[i - 1])) out[i] = inc[i]! / slotSeconds;
  }
  return out;
}

/** Adds a row into a running slot-wise sum (NaN-filled at first): NaN stays where neither has a value. */
export function addInto(sum: Float64Array, row: ArrayLike<number>): void {
  for (let i = 0; i < sum.length; i++) {
    const v = row[i]!;
    if (Number.isNaN(v)) continue;
    sum[i] = Number.isNaN(sum[i]) ? v : sum[i]! + v;
  }
}

/** Sum of the values in each bucket of `width` slots; null for a bucket without any value. */
export function bucketSums(values: ArrayLike<number>, width: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let start = 0; start < values.length; start += width) {
    let sum: number | null = null;
    for (let i = start; i < Math.min(values.length, start + width); i++) {
      if (!Number.isNaN(values[i])) sum = (sum ?? 0) + values[i]!;
    }
    out.push(sum);
  }
  return out;
}

/** Maximum of each bucket of `width` slots; null for a bucket without any value. */
export function bucketMaxima(values: Float64Array, width: number): (number | null)[] {
  const out: (number | null)[] = [];
  for (let start = 0; start < values.length; start += width) out.push(maximum(values.subarray(start, start + width)));
  return out;
}

/** Mean of each bucket of `width` slots that is measured in every slot; buckets with a hole are left out. */
export function fullBucketMeans(values: ArrayLike<number>, width: number): number[] {
  const out: number[] = [];
  for (let start = 0; start + width <= values.length; start += width) {
    let sum = 0;
    let full = true;
    for (let i = start; i < start + width && full; i++) {
      full = !Number.isNaN(values[i]);
      sum += values[i]!;
    }
    if (full) out.push(sum / width);
  }
  return out;
}

export interface Trend {
  /** Value of the fitted line at x = 0. */
  intercept: number;
  /** Change per unit of x. */
  slope: number;
  /** Mean x of the points fitted. */
  meanX: number;
}

/** Least-squares line through the points whose y is known; null with fewer than `minPoints`. */
export function linearTrend(ys: readonly (number | null)[], minPoints: number): Trend | null {
  const points = ys.flatMap((y, x) => (y === null ? [] : [[x, y] as const]));
  if (points.length < Math.max(2, minPoints)) return null;
  const meanX = points.reduce((s, [x]) => s + x, 0) / points.length;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  }
  const slope = sxy / sxx;
  return { intercept: meanY - slope * meanX, slope, meanX };
}
