import { describe, expect, it } from "vitest";
import { rateFunction } from "./profile.ts";
import { TokenBucket } from "./token-bucket.ts";

/** Mean of a rate function over [0, seconds), sampled every 10 ms. */
function meanRate(rate: (t: number) => number, seconds: number): number {
  let sum = 0;
  const steps = seconds * 100;
  for (let i = 0; i < steps; i++) sum += rate(i / 100);
  return sum / steps;
}

describe("change-rate profiles", () => {
  it("all average to the configured rate over a cycle", () => {
    expect(meanRate(rateFunction("steady", { averageRate: 1000 }), 10)).toBeCloseTo(1000, 6);
    const bursty = rateFunction("bursty", { averageRate: 1000, burstSeconds: 10, burstFactor: 5 });
    expect(bursty(5)).toBe(5000);
    expect(bursty(20)).toBe(0);
    expect(bursty(55)).toBe(5000);
    expect(meanRate(bursty, 100)).toBeCloseTo(1000, 6);
    const daily = rateFunction("daily", { averageRate: 1000, periodSeconds: 60, amplitude: 0.8 });
    expect(daily(0)).toBeCloseTo(200, 6);
    expect(daily(30)).toBeCloseTo(1800, 6);
    expect(meanRate(daily, 60)).toBeCloseTo(1000, 3);
  });

  it("rejects nonsense parameters", () => {
    expect(() => rateFunction("steady", { averageRate: 0 })).toThrow(/positive/);
    expect(() => rateFunction("bursty", { averageRate: 1, burstFactor: 0.5 })).toThrow(/burstFactor/);
    expect(() => rateFunction("daily", { averageRate: 1, amplitude: 2 })).toThrow(/amplitude/);
  });
});

describe("TokenBucket", () => {
  it("lets through the configured rate on a simulated clock", () => {
    let now = 0;
    const bucket = new TokenBucket(
      () => 1000,
      100,
      0.25,
      () => now,
    );
    let taken = 0;
    // Ten simulated seconds in 1 ms steps, taking 100-byte writes whenever allowed.
    for (; now < 10; now += 0.001) if (bucket.tryTake(100) === 0) taken += 100;
    expect(taken).toBeGreaterThanOrEqual(9900);
    expect(taken).toBeLessThanOrEqual(10_000 + 250);
  });

  it("says how long to wait, and lets nothing through while the rate is zero", () => {
    let now = 0;
    const bucket = new TokenBucket(
      (t) => (t < 1 ? 0 : 1000),
      100,
      0.25,
      () => now,
    );
    now = 0.5;
    expect(bucket.tryTake(100)).toBeGreaterThan(0);
    now = 1.05;
    expect(bucket.tryTake(100)).toBeCloseTo(0.1, 6);
    now = 1.1;
    expect(bucket.tryTake(100)).toBeCloseTo(0.05, 6);
    now = 1.2;
    expect(bucket.tryTake(100)).toBe(0);
  });
});
