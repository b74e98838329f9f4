/** Staleness of a source: age of its newest data at `now`; +Inf when it never delivered any. */
export function dataAgeSeconds(dataTimestamp: number, now: number): number {
  return dataTimestamp > 0 ? Math.max(0, now - dataTimestamp) : Number.POSITIVE_INFINITY;
}
