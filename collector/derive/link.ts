/** Link figures (domain.md §5.3) from the wire and raw byte rates over the rate window. */
import { ratioOr } from "./rate.ts";

export interface LinkRates {
  wireBytesPerSecond: number;
  rawBytesPerSecond: number;
  /** Effective limit now; 0 when unlimited. */
  limitBytesPerSecond: number;
}

export function linkFigures(rates: LinkRates): {
  throughputBytesPerSecond: number;
  utilizationRatio: number;
  compressionRatio: number;
} {
  return {
    throughputBytesPerSecond: rates.wireBytesPerSecond,
    utilizationRatio: ratioOr(rates.wireBytesPerSecond, rates.limitBytesPerSecond, 0),
    // Nothing sent in the window: report "uncompressed" rather than an undefined ratio.
    compressionRatio: ratioOr(rates.rawBytesPerSecond, rates.wireBytesPerSecond, 1),
  };
}
