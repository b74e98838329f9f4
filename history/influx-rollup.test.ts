import { describe, expect, it } from "vitest";
import { packHours, packText, unpackText } from "./influx-rollup.ts";

const roundTrip = (values: number[]) => [...unpackText(packText(Float64Array.from(values)))];

describe("packed minutes", () => {
  it("come back bit for bit: whole numbers, fractions, gaps, -0, extremes and whole numbers beyond 2^53", () => {
    const cases = [
      Array.from({ length: 60 }, (_, m) => 1e6 * m + 5e8 * Number(m > 30)),
      [0, -0, 0, -1, 1, -(2 ** 53) + 1, 2 ** 53 - 1, -(2 ** 53) + 1, 0.5, 3, Number.NaN, 4, 2 ** 60, 2 ** 60 + 256, 7],
      [1e-20, 5, 5.000000000000001, Number.MIN_VALUE, -Number.MAX_VALUE, Number.MAX_VALUE, Number.NaN, Number.NaN],
      Array.from({ length: 60 }, (_, m) => ((m * 7919) % 1000) / 7 - 40),
      [],
    ];
    for (const values of cases) {
      const back = roundTrip(values);
      expect(back).toHaveLength(values.length);
      for (const [i, v] of back.entries()) {
        expect(Object.is(v, values[i]), `value ${i}: ${values[i]} came back ${v}`).toBe(true);
      }
    }
  });

  it("take a byte a minute for a steady counter (after its first two), 9 for a fraction", () => {
    const steady = Float64Array.from({ length: 60 }, (_, m) => 44_640_000_000 + 3e6 * m);
    expect(Buffer.from(packText(steady), "base64").length).toBeLessThanOrEqual(58 + 2 * 7);
    const fractions = Float64Array.from({ length: 60 }, (_, m) => m / 3 + 0.1);
    expect(Buffer.from(packText(fractions), "base64").length).toBe(60 * 9);
  });

  it("lay an hour's minute buckets out by minute, mean as sum ÷ count", () => {
    const hour = 7200;
    const bucket = (minute: number, v: number) => ({
      time: hour + minute * 60,
      min: v - 1,
      max: v + 1,
      sum: 3 * v,
      count: 3,
      last: v,
    });
    const [packed, ...more] = packHours([bucket(0, 10), bucket(2, 20), bucket(59, 30)]);
    expect(more).toEqual([]);
    expect(packed!.time).toBe(hour);
    expect(packed!.minutes).toBe(3);
    expect([packed!.last[0], packed!.last[1], packed!.last[2], packed!.last[59]]).toEqual([10, Number.NaN, 20, 30]);
    expect([packed!.mean[2], packed!.min[2], packed!.max[59]]).toEqual([20, 19, 31]);
  });
});
