import { describe, expect, it } from "vitest";
import { MonotonicCounter } from "../../collector/sources/snmp-counter.ts";

const TOP = 2n ** 64n;

/** Feeds [raw, sysUpTime] readings and returns the totals and discontinuities seen. */
function fold(readings: Array<[bigint, number]>) {
  const counter = new MonotonicCounter();
  return readings.map(([raw, uptime]) => counter.update(raw, uptime));
}

describe("MonotonicCounter", () => {
  it("passes growth through unchanged", () => {
    expect(
      fold([
        [1000n, 10],
        [1500n, 20],
      ]),
    ).toEqual([{ total: 1000n }, { total: 1500n }]);
  });

  it("folds a 64-bit wrap: 100 bytes before the top, 50 after → +150", () => {
    expect(
      fold([
        [TOP - 100n, 100],
        [50n, 200],
        [70n, 300],
      ]),
    ).toEqual([{ total: TOP - 100n }, { total: TOP + 50n, discontinuity: "wrap" }, { total: TOP + 70n }]);
  });

  it("folds a device restart: counter back to 300 with sysUpTime back → 5000 + 300", () => {
    expect(
      fold([
        [5000n, 10_000],
        [300n, 50],
        [400n, 150],
      ]),
    ).toEqual([{ total: 5000n }, { total: 5300n, discontinuity: "restart" }, { total: 5400n }]);
  });

  it("ignores an agent restart whose counters kept running (sysUpTime back, counter up)", () => {
    expect(
      fold([
        [5000n, 10_000],
        [5200n, 30],
      ]),
    ).toEqual([{ total: 5000n }, { total: 5200n }]);
  });

  it("treats a large drop far from the top as a reset, not a wrap", () => {
    expect(
      fold([
        [5000n, 100],
        [10n, 200],
      ]),
    ).toEqual([{ total: 5000n }, { total: 5010n, discontinuity: "reset" }]);
    expect(
      fold([
        [2n ** 62n, 100],
        [1n, 200],
      ]),
    ).toEqual([{ total: 2n ** 62n }, { total: 2n ** 62n + 1n, discontinuity: "reset" }]);
  });

  it("reads a drop from above 2^63 to near 0 as a wrap (forward distance 2^63 − 5)", () => {
    expect(
      fold([
        [2n ** 63n + 10n, 100],
        [5n, 200],
      ]),
    ).toEqual([{ total: 2n ** 63n + 10n }, { total: TOP + 5n, discontinuity: "wrap" }]);
  });
});
