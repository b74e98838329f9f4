/**
 * Sizing formulas of the seeds, applied by the capacity report to measured data. Each function is
 * one formula, in the units its seed uses, with the seed's line; docs/reports.md explains them and
 * reports/sizing.test.ts pins them with the seeds' own vectors (domain.md §4).
 */

/** GB as the seeds use it in journal sizes: 10^9 bytes (domain.md §0 conventions). */
export const GB = 1e9;

/** EMC's minimum journal size (000_e7ab14c372fca572.txt L112). */
export const JOURNAL_FLOOR_BYTES = 10 * GB;

/** Default share of the journal kept for image access (test failover): 80/20 (000_e7ab14c372fca572.txt L130). */
export const DEFAULT_IMAGE_ACCESS_SHARE = 0.2;

/** Bandwidth adjustment factor of the InMage Analyzer example (001_0cf9b2a003f84c21.txt L1500, L1668). */
export const DEFAULT_BANDWIDTH_ADJUSTMENT = 0.35;

export interface JournalSizingInput {
  /** Measured write (change) rate R, bytes per second. */
  changeRateBytesPerSecond: number;
  /** Required rollback time T (the protection window), seconds. */
  requiredWindowSeconds: number;
  /** Image-access share f of the journal, a fraction in [0, 1). */
  imageAccessShare: number;
  /** "Reserved for marking" M, which the seed leaves undefined: an input, 0 when not known. */
  reservedForMarkingBytes?: number;
}

export interface JournalSizing {
  bytes: number;
  /** True when the 10 GB minimum, not the formula, set the size. */
  floorApplied: boolean;
}

/**
 * EMC minimum journal without snapshot consolidation (000_e7ab14c372fca572.txt L114):
 * J = 1.05 × [R × T / (1 − f)] + M, and at least 10 GB (L112).
 */
export function emcJournalSize(input: JournalSizingInput): JournalSizing {
  const { changeRateBytesPerSecond: r, requiredWindowSeconds: t, imageAccessShare: f } = input;
  if (!(f >= 0 && f < 1)) throw new RangeError(`image-access share must be in [0, 1), got ${f}`);
  if (!(r >= 0) || !(t >= 0)) throw new RangeError(`change rate and window must be ≥ 0, got ${r} B/s and ${t} s`);
  const formula = 1.05 * ((r * t) / (1 - f)) + (input.reservedForMarkingBytes ?? 0);
  return formula < JOURNAL_FLOOR_BYTES
    ? { bytes: JOURNAL_FLOOR_BYTES, floorApplied: true }
    : { bytes: formula, floorApplied: false };
}

/**
 * InMage retention drive size (001_0cf9b2a003f84c21.txt L1494): daily change × retention hours / 24.
 * Units follow the input (bytes in, bytes out).
 */
export function inmageRetentionSize(dailyChange: number, windowHours: number): number {
  return (dailyChange / 24) * windowHours;
}

/** Analyzer: average change rate, MB/s = cumulative change MB / (interval days × 86400) (001_0cf9b2a003f84c21.txt L1500). */
export function analyzerAverageRate(cumulativeMB: number, intervalDays: number): number {
  return cumulativeMB / (intervalDays * 86400);
}

/**
 * Analyzer: bandwidth required for RPO ≈ 0, Kbit/s = rate MB/s × 8192 × (1 + adjustment factor)
 * (001_0cf9b2a003f84c21.txt L1500; 8192 Kbit per MB, so the Analyzer's MB is 2^20 bytes).
 */
export function analyzerBandwidth(rateMBPerSecond: number, adjustmentFactor: number): number {
  return rateMBPerSecond * 8192 * (1 + adjustmentFactor);
}

/** Analyzer: retention storage MB = uncompressed MB / interval days × retention days (001_0cf9b2a003f84c21.txt L1500). */
export function analyzerRetention(uncompressedMB: number, intervalDays: number, retentionDays: number): number {
  return (uncompressedMB / intervalDays) * retentionDays;
}

/** The Analyzer's MB (2^20 bytes, from its 8192 Kbit per MB). */
export const ANALYZER_MB = 2 ** 20;

/** Bytes per second as the Analyzer's Kbit/s (1 Kbit = 1024 bit, consistent with 8192 Kbit per MB). */
export function bytesPerSecondToKbit(bytesPerSecond: number): number {
  return (bytesPerSecond / ANALYZER_MB) * 8192;
}
