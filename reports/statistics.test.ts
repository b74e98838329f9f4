import { describe, expect, it } from "vitest";
import { percentile } from "./statistics.ts";

/** Nearest rank by sorting: what percentile must return. */
function bySorting(values: number[], p: number): number | null {
  const measured = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return measured.length === 0 ? null : measured[Math.max(0, Math.ceil(p * measured.length) - 1)]!;
}

describe("nearest-rank percentile", () => {
  it("is the sorted values' nearest rank, NaN skipped, for many shapes of input", () => {
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let t = 0; t < 2000; t++) {
      const n = Math.floor(next() * 80);
      // Ties, NaN and spread values mixed, as minute rates are.
      const values = Array.from({ length: n }, () => {
        const r = next();
        return r < 0.1 ? Number.NaN : r < 0.4 ? Math.floor(next() * 4) : next() * 1000;
      });
      for (const p of [0, 0.05, 0.5, 0.95, 1]) expect(percentile(values, p)).toBe(bySorting(values, p));
    }
  });

  it("gives null with nothing measured and the 95th of 1..100 as 95", () => {
    expect(percentile([Number.NaN, Number.NaN], 0.95)).toBeNull();
    expect(percentile([], 0.95)).toBeNull();
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => 100 - i),
        0.95,
      ),
    ).toBe(95);
  });
});
