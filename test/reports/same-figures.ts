/**
 * Where two reports' figures differ: every number within a relative 1e-9 (the stores fold sums in
 * different orders), everything else equal, the same keys and lengths. Paths like
 * `$.rpo[0].p95Seconds`; an empty list means the reports agree on every figure.
 */
export function figureDifferences(a: unknown, b: unknown, path = "$"): string[] {
  if (typeof a === "number" && typeof b === "number") {
    const close = a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
    return close ? [] : [`${path}: ${a} ≠ ${b}`];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${path}: ${a.length} entries ≠ ${b.length}`];
    return a.flatMap((item, i) => figureDifferences(item, b[i], `${path}[${i}]`));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => figureDifferences(a[k], b[k], `${path}.${k}`));
  }
  return Object.is(a, b) ? [] : [`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
