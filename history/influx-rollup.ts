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

/**
 * A packed aggregate as a line-protocol string field, base64 of one token per minute: InfluxDB 1.6
 * spends CPU on every byte of a string it answers (about 85 ns a byte measured), so counters and
 * other whole numbers are kept as the change of their step from the previous minute's (a steady
 * counter takes one byte a minute), anything else as its 8 bytes. Tokens are varints: even, a
 * whole number's zigzagged delta of delta; 1, a float64 (little-endian) follows; 3, no bucket.
 */
export function packText(values: Float64Array): string {
  const bytes: number[] = [];
  const varint = (n: number) => {
    for (; n >= 128; n = Math.floor(n / 128)) bytes.push((n % 128) + 128);
    bytes.push(n);
  };
  const float = Buffer.alloc(8);
  let previous = 0;
  let step = 0;
  for (const v of values) {
    if (Number.isNaN(v)) {
      varint(3);
      continue;
    }
    const d = v - previous;
    const dd = d - step;
    if (wholeNumber(v) && wholeNumber(previous) && Number.isSafeInteger(d) && Math.abs(dd) <= MAX_DELTA) {
      varint(2 * (dd < 0 ? -2 * dd - 1 : 2 * dd));
      step = d;
    } else {
      varint(1);
      float.writeDoubleLE(v);
      bytes.push(...float);
      step = 0;
    }
    previous = v;
  }
  return Buffer.from(bytes).toString("base64");
}

/** The minute values of a packed field, NaN where the hour had no bucket. */
export function unpackText(text: string): Float64Array {
  const bytes = Buffer.from(text, "base64");
  const out: number[] = [];
  let previous = 0;
  let step = 0;
  for (let at = 0; at < bytes.length; ) {
    let token = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = bytes[at++]!;
      token += (b % 128) * scale;
      if (b < 128) break;
    }
    if (token === 3) {
      out.push(Number.NaN);
      continue;
    }
    if (token === 1) {
      previous = bytes.readDoubleLE(at);
      at += 8;
      step = 0;
    } else {
      const zigzag = token / 2;
      step += zigzag % 2 === 1 ? -(zigzag + 1) / 2 : zigzag / 2;
      previous += step;
    }
    out.push(previous);
  }
  return Float64Array.from(out);
}

/** Whole numbers packed as deltas: safe integers, not -0 (a delta would come back as +0). */
const wholeNumber = (v: number) => Number.isSafeInteger(v) && !Object.is(v, -0);
/** Largest delta of delta packed as a number: its zigzag token stays a safe integer. */
const MAX_DELTA = 2 ** 50;
