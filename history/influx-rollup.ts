/**
 * The InfluxDB store's tier buckets computed in the client: one series' raw points folded into
 * minute buckets, minute buckets into hour buckets, with the fields the continuous queries write
 * (min, max, sum, count, last), so a bucket made here and one made by InfluxDB are the same point.
 */

export interface Bucket {
  /** Bucket start, Unix seconds. */
  time: number;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
}

/** Folds points in ascending time order (Unix milliseconds) into buckets `width` seconds wide. */
export function foldPoints(points: ReadonlyArray<readonly [number, number]>, width: number): Bucket[] {
  const out: Bucket[] = [];
  let open: Bucket | undefined;
  for (const [ms, value] of points) {
    const time = Math.floor(ms / 1000 / width) * width;
    if (open?.time !== time) {
      open = { time, min: value, max: value, sum: value, count: 1, last: value };
      out.push(open);
      continue;
    }
    open.min = Math.min(open.min, value);
    open.max = Math.max(open.max, value);
    open.sum += value;
    open.count += 1;
    open.last = value;
  }
  return out;
}

/** Folds buckets in ascending time order into wider buckets, `width` seconds each. */
export function foldBuckets(buckets: readonly Bucket[], width: number): Bucket[] {
  const out: Bucket[] = [];
  let open: Bucket | undefined;
  for (const b of buckets) {
    const time = Math.floor(b.time / width) * width;
    if (open?.time !== time) {
      open = { ...b, time };
      out.push(open);
      continue;
    }
    open.min = Math.min(open.min, b.min);
    open.max = Math.max(open.max, b.max);
    open.sum += b.sum;
    open.count += b.count;
    open.last = b.last;
  }
  return out;
}
