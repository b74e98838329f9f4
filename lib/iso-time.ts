/** A Unix time in seconds as ISO 8601 UTC; a non-finite time (e.g. +Inf for "never") as itself. */
export function isoTime(timestamp: number): string {
  return Number.isFinite(timestamp) ? new Date(timestamp * 1000).toISOString() : String(timestamp);
}
