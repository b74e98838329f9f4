import { describe, expect, it } from "vitest";
import { cover, LateSpans } from "./late-spans.ts";

const T = 1_800_000_000; // a whole hour

describe("late spans", () => {
  it("merges the batches of a replay into one span of whole minutes, measurements with the same minutes together", () => {
    const late = new LateSpans();
    for (let k = 0; k < 36; k++) late.add(["a", "b"], T + 5 + k * 10, T + 5 + k * 10);
    late.add(["c"], T + 3600, T + 3659);
    expect(late.take()).toEqual([
      { measurements: ["a", "b"], from: T, to: T + 360 },
      { measurements: ["c"], from: T + 3600, to: T + 3660 },
    ]);
    expect(late.isEmpty()).toBe(true);
  });

  it("keeps minutes apart that neither overlap nor touch, and joins a span bridging them", () => {
    const late = new LateSpans();
    late.add(["a"], T, T + 59);
    late.add(["a"], T + 180, T + 200);
    expect(late.all()).toEqual([
      { measurements: ["a"], from: T, to: T + 60 },
      { measurements: ["a"], from: T + 180, to: T + 240 },
    ]);
    late.add(["a"], T + 60, T + 179);
    expect(late.all()).toEqual([{ measurements: ["a"], from: T, to: T + 240 }]);
  });

  it("counts spans taken as pending until settled, and puts back those a run did not finish", () => {
    const late = new LateSpans();
    late.add(["a"], T, T);
    const taken = late.take();
    late.add(["b"], T + 600, T + 600);
    expect(late.all()).toEqual([
      { measurements: ["b"], from: T + 600, to: T + 660 },
      { measurements: ["a"], from: T, to: T + 60 },
    ]);
    late.settle(taken);
    expect(late.take()).toEqual([
      { measurements: ["b"], from: T + 600, to: T + 660 },
      { measurements: ["a"], from: T, to: T + 60 },
    ]);
    late.settle([]);
    expect(late.all()).toEqual([]);
  });

  it("covers spans with one span of all their measurements and minutes", () => {
    expect(
      cover([
        { measurements: ["a", "b"], from: T, to: T + 60 },
        { measurements: ["b", "c"], from: T + 600, to: T + 660 },
      ]),
    ).toEqual({ measurements: ["a", "b", "c"], from: T, to: T + 660 });
  });
});
