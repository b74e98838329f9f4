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
