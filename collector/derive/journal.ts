/** Journal figures (domain.md §5.4): fill, protection window against policy, time to full. */
import { ratioOr } from "./rate.ts";

export interface JournalInput {
  capacityBytes: number;
  usedBytes: number;
  achievedWindowSeconds: number;
  requiredWindowSeconds: number;
  /** d(used)/dt over the rate window. */
  fillRateBytesPerSecond: number;
}

export function journalFigures(input: JournalInput): {
  utilizationRatio: number;
  windowRatio: number;
  fullEtaSeconds: number;
} {
  const free = Math.max(0, input.capacityBytes - input.usedBytes);
  return {
    utilizationRatio: ratioOr(input.usedBytes, input.capacityBytes, 0),
    windowRatio: ratioOr(input.achievedWindowSeconds, input.requiredWindowSeconds, 1),
    fullEtaSeconds: input.fillRateBytesPerSecond > 0 ? free / input.fillRateBytesPerSecond : Number.POSITIVE_INFINITY,
  };
}

/**
 * Bytes one full protection window takes at the journal's present fill: used / window ratio.
 * Flat while a young journal fills toward its window (both grow together); it grows with the
 * change rate. Absent while the journal holds no window yet (ratio 0).
 */
export function fullWindowBytes(usedBytes: number, windowRatio: number): number | undefined {
  return windowRatio > 0 ? usedBytes / windowRatio : undefined;
}
