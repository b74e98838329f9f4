// Display formats for a wall screen: RPO in seconds, minutes with two decimals ("1.62 min", as the
// InMage UI shows it) or days; sizes in SI units (GB = 10^9 bytes, domain.md conventions).

export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "∞";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 86400) return `${(seconds / 60).toFixed(2)} min`;
  return `${(seconds / 86400).toFixed(2)} days`;
}

const UNITS = ["B", "kB", "MB", "GB", "TB", "PB"];

export function bytes(n) {
  if (!Number.isFinite(n)) return "–";
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(i === 0 || v >= 100 ? 0 : 1)} ${UNITS[i]}`;
}

export const rate = (n) => `${bytes(n)}/s`;

export const percent = (ratio) => (Number.isFinite(ratio) ? `${Math.round(ratio * 100)}%` : "–");

/** "ok" | "warn" | "crit" for a value where higher is worse. */
export function level(value, { warn, crit }) {
  if (value === null || value === undefined || Number.isNaN(value)) return "crit";
  if (value >= crit) return "crit";
  if (value >= warn) return "warn";
  return "ok";
}
