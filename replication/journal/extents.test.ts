import { describe, expect, it } from "vitest";
import { earlierOverlaps } from "./extents.ts";

type Range = { volume: string; offset: number; length: number };

/** The definition: every earlier range of the same volume that shares at least one byte. */
function comparingEveryPair(batch: readonly Range[]): number[][] {
  return batch.map((r, i) =>
    batch
      .slice(0, i)
      .map((p, k) => ({ p, k }))
      .filter(({ p }) => p.volume === r.volume && p.offset < r.offset + r.length && r.offset < p.offset + p.length)
      .map(({ k }) => k),
  );
}

describe("overlaps within a distribution batch", () => {
  it("names, for each write, the earlier writes of the same volume it overlaps, in batch order", () => {
    const batch: Range[] = [
      { volume: "a", offset: 0, length: 8 },
      { volume: "b", offset: 4, length: 8 },
      { volume: "a", offset: 8, length: 4 },
      { volume: "a", offset: 6, length: 4 },
      { volume: "b", offset: 0, length: 4 },
      { volume: "a", offset: 0, length: 16 },
    ];
    expect(earlierOverlaps(batch)).toEqual([[], [], [], [0, 2], [], [0, 2, 3]]);
  });

  it("agrees with comparing every pair on random batches, touching ranges included", () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const batch = Array.from({ length: 1 + next(60) }, () => ({
        volume: ["v1", "v2", "v3"][next(3)]!,
        offset: next(64) * 512,
        length: (1 + next(8)) * 512,
      }));
      expect(earlierOverlaps(batch)).toEqual(comparingEveryPair(batch));
    }
  });
});
