/** Figures in words for people: sizes, rates, durations and shares as the report prints them. */

const SIZE_UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

/** Decimal sizes (GB = 10^9 bytes, as the seeds size journals). */
export function bytes(n: number | null): string {
  if (n === null) return "—";
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < SIZE_UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v.toFixed(2)} ${SIZE_UNITS[u]}`;
}

export function rate(n: number | null): string {
  return n === null ? "—" : `${bytes(n)}/s`;
}

export function kbit(n: number | null): string {
  return n === null ? "—" : `${n.toFixed(2)} Kbit/s`;
}

/** Minutes with two decimals under an hour (the seeds' "1.62 min"), then hours, then days. */
export function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 3600) return `${(seconds / 60).toFixed(2)} min`;
  if (seconds < 86400 * 2) return `${(seconds / 3600).toFixed(2)} h`;
  return `${(seconds / 86400).toFixed(2)} days`;
}

export function percent(ratio: number | null, digits = 2): string {
  return ratio === null ? "—" : `${(ratio * 100).toFixed(digits)} %`;
}

export function ratio(n: number | null): string {
  return n === null ? "—" : `${n.toFixed(2)}:1`;
}
