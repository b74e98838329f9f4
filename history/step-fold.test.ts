import { describe, expect, it } from "vitest";
import { StepFold } from "./step-fold.ts";
import type { Aggregate } from "./store.ts";

const plain = (fold: StepFold) =>
  fold.series((id) => ({ id: String(id) })).map((s) => ({ id: s.labels.id, t: [...s.timestamps], v: [...s.values] }));

/** Rows (series, ts, v, w) folded at a 60 s step over [0, 600). */
function folded(aggregate: Aggregate, rows: [number, number, number, number][]) {
  const fold = new StepFold(0, 600, 60, aggregate);
  for (const r of rows) fold.add(...r);
  return plain(fold);
}

describe("folding partial rows per series and step", () => {
  // Series 7 arrives first but sorts after series 2; its minute 60 comes back after minute 120.
  const rows: [number, number, number, number][] = [
    [7, 0, 4, 1],
    [7, 30, 8, 1],
    [2, 10, 5, 1],
    [7, 130, 1, 1],
    [7, 70, 3, 1],
    [7, 61, 9, 2],
  ];

  it("folds min, max and mean per step, in series and time order, also for rows out of time order", () => {
    expect(folded("min", rows)).toEqual([
      { id: "2", t: [0], v: [5] },
      { id: "7", t: [0, 60, 120], v: [4, 3, 1] },
    ]);
    expect(folded("max", rows)).toEqual([
      { id: "2", t: [0], v: [5] },
      { id: "7", t: [0, 60, 120], v: [8, 9, 1] },
    ]);
    // Mean: partial sums over their weights (a tier row's sum and count).
    expect(folded("mean", rows)[1]).toEqual({ id: "7", t: [0, 60, 120], v: [6, 12 / 3, 1] });
  });

  it("keeps the value of the latest time for last, whatever order the rows came in", () => {
    const last: [number, number, number, number][] = [
      [1, 65, 10, 65],
      [1, 5, 1, 5],
      [1, 70, 20, 70],
      [1, 62, 30, 62],
    ];
    expect(folded("last", last)).toEqual([{ id: "1", t: [0, 60], v: [1, 20] }]);
  });

  it("grows past its first capacity for a long range", () => {
    const fold = new StepFold(0, 60 * 10_000, 60, "max");
    for (let m = 0; m < 10_000; m++) fold.add(3, m * 60, m, 0);
    const [s] = fold.series(() => ({}));
    expect(s!.values.length).toBe(10_000);
    expect(s!.values[9_999]).toBe(9_999);
    expect(s!.timestamps[5_000]).toBe(300_000);
  });
});
