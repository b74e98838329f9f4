/**
 * The InfluxDB store's tier buckets computed in the client: one series' raw points folded into
 * minute buckets, minute buckets into hour buckets, with the fields the continuous queries write
 * (min, max, sum, count, last), so a bucket made here and one made by InfluxDB are the same point.
 */
import { endianness } from "node:os";

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

/** Minute buckets of one series in one hour, per aggregate: 60 float64 (NaN: no bucket that minute). */
export interface PackedHour {
  /** Hour start, Unix seconds. */
  time: number;
  /** How many minutes hold a bucket. */
  minutes: number;
  min: Float64Array;
  max: Float64Array;
  mean: Float64Array;
  last: Float64Array;
}

const MINUTES = 60;

/**
 * Lays minute buckets in ascending time order out by hour: what a reader of 1-minute steps needs,
 * in one point per hour instead of sixty. A mean is the bucket's sum ÷ count, as a reader of the
 * minute tier computes it.
 */
export function packHours(minutes: readonly Bucket[]): PackedHour[] {
  const out: PackedHour[] = [];
  let open: PackedHour | undefined;
  for (const b of minutes) {
    const time = Math.floor(b.time / 3600) * 3600;
    if (open?.time !== time) {
      const empty = () => new Float64Array(MINUTES).fill(Number.NaN);
      open = { time, minutes: 0, min: empty(), max: empty(), mean: empty(), last: empty() };
      out.push(open);
    }
    const i = (b.time - time) / 60;
    open.minutes += 1;
    open.min[i] = b.min;
    open.max[i] = b.max;
    open.mean[i] = b.sum / b.count;
    open.last[i] = b.last;
  }
  return out;
}

/** A packed aggregate as a line-protocol string field: the 60 float64 in little-endian bytes, base64. */
export function packText(values: Float64Array): string {
  const bytes = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) bytes.writeDoubleLE(values[i]!, i * 8);
  return bytes.toString("base64");
}

/** The 60 minute values of a packed field, NaN where the hour had no bucket. */
export function unpackText(text: string): Float64Array {
  const bytes = Buffer.from(text, "base64");
  const out = new Float64Array(bytes.length / 8);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < out.length; i++) out[i] = bytes.readDoubleLE(i * 8);
  return out;
}

const LITTLE_ENDIAN = endianness() === "LE";
