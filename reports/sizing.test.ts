import { describe, expect, it } from "vitest";
import {
  analyzerAverageRate,
  analyzerBandwidth,
  analyzerRetention,
  bytesPerSecondToKbit,
  emcJournalSize,
  GB,
  inmageRetentionSize,
} from "./sizing.ts";

describe("EMC minimum journal, 1.05 × R × T / (1 − f), at least 10 GB (000_e7ab14c372fca572.txt L112–L114)", () => {
  it("5 MB/s for a day with the default 20% image-access share needs 5.67e11 bytes", () => {
    const j = emcJournalSize({ changeRateBytesPerSecond: 5e6, requiredWindowSeconds: 86400, imageAccessShare: 0.2 });
    expect(j.bytes).toBeCloseTo(5.67e11, -6);
    expect(j.floorApplied).toBe(false);
  });

  it("a 40% image-access share (long tests) raises it to 7.56e11 bytes", () => {
    const j = emcJournalSize({ changeRateBytesPerSecond: 5e6, requiredWindowSeconds: 86400, imageAccessShare: 0.4 });
    expect(j.bytes).toBeCloseTo(7.56e11, -6);
  });

  it("1 kB/s for an hour gives 4.725e6 bytes by the formula, so the 10 GB minimum applies", () => {
    const j = emcJournalSize({ changeRateBytesPerSecond: 1e3, requiredWindowSeconds: 3600, imageAccessShare: 0.2 });
    expect(j).toEqual({ bytes: 10 * GB, floorApplied: true });
  });

  it("adds the bytes reserved for marking", () => {
    const j = emcJournalSize({
      changeRateBytesPerSecond: 5e6,
      requiredWindowSeconds: 86400,
      imageAccessShare: 0.2,
      reservedForMarkingBytes: 1e9,
    });
    expect(j.bytes).toBeCloseTo(5.68e11, -6);
  });

  it("refuses an image-access share of 1 or more, which would divide by zero or go negative", () => {
    expect(() =>
      emcJournalSize({ changeRateBytesPerSecond: 1, requiredWindowSeconds: 1, imageAccessShare: 1 }),
    ).toThrow(/image-access share must be in \[0, 1\), got 1/);
  });
});

describe("InMage retention, daily change ÷ 24 × window hours (001_0cf9b2a003f84c21.txt L1494)", () => {
  it("750 GB a day with a 6-hour window needs 187.5 GB (the guide rounds to 200 GB)", () => {
    expect(inmageRetentionSize(750 * GB, 6)).toBe(187.5 * GB);
  });

  it("750 GB a day with a 9-hour window needs 281.25 GB (the lab provisioned 300 GB)", () => {
    expect(inmageRetentionSize(750 * GB, 9)).toBe(281.25 * GB);
  });
});

describe("InMage Analyzer row (001_0cf9b2a003f84c21.txt L1500: 7 days, factor 0.35, 3 days retention)", () => {
  it("92074.1593 MB uncompressed is 0.152239 MB/s and needs 1683.64 Kbit/s", () => {
    const rate = analyzerAverageRate(92074.1593, 7);
    expect(rate).toBeCloseTo(0.152239, 6);
    expect(analyzerBandwidth(rate, 0.35)).toBeCloseTo(1683.64, 2);
  });

  it("65216.4492 MB compressed is 0.107831 MB/s and needs 1192.53 Kbit/s", () => {
    const rate = analyzerAverageRate(65216.4492, 7);
    expect(rate).toBeCloseTo(0.107831, 6);
    expect(analyzerBandwidth(rate, 0.35)).toBeCloseTo(1192.53, 2);
  });

  it("keeps 39460.35 MB for 3 days of retention", () => {
    expect(analyzerRetention(92074.1593, 7, 3)).toBeCloseTo(39460.35, 2);
  });

  it("measured bytes per second convert to the Analyzer's Kbit/s: 1 MB/s (2^20 B) is 8192 Kbit/s", () => {
    expect(bytesPerSecondToKbit(2 ** 20)).toBe(8192);
    expect(analyzerBandwidth(0.152239, 0.35)).toBeCloseTo(bytesPerSecondToKbit(0.152239 * 2 ** 20) * 1.35, 9);
  });
});
