/**
 * Token bucket with a time-varying fill rate: callers take bytes, and wait while the bucket
 * holds too few. The burst allowance is a fraction of a second of the current rate (but at
 * least one maximal write), so the rate holds over short windows too.
 */
import type { RateFunction } from "./profile.ts";

/** How long to wait before looking again when the rate is zero (an idle phase). */
const IDLE_POLL_MS = 100;

export class TokenBucket {
  private tokens = 0;
  private last: number;
  private readonly start: number;

  constructor(
    private readonly rate: RateFunction,
    private readonly minBurstBytes: number,
    private readonly burstSeconds = 0.25,
    private readonly now: () => number = () => performance.now() / 1000,
  ) {
    this.start = this.now();
    this.last = this.start;
  }

  /** Waits until `bytes` tokens are available, then takes them; resolves false if aborted first. */
  async take(bytes: number, signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const waitSeconds = this.tryTake(bytes);
      if (waitSeconds === 0) return true;
      await sleep(Math.max(1, Math.min(waitSeconds * 1000, IDLE_POLL_MS)), signal);
    }
  }

  /** Takes `bytes` tokens if the bucket holds them (returns 0), else returns how long to wait (s). */
  tryTake(bytes: number): number {
    const rate = this.refill();
    if (this.tokens >= bytes) {
      this.tokens -= bytes;
      return 0;
    }
    return rate > 0 ? (bytes - this.tokens) / rate : IDLE_POLL_MS / 1000;
  }

  /**
   * Adds the tokens earned since the last refill at the rate that held then (so an idle phase
   * earns nothing even when a burst has just begun); returns the rate now.
   */
  private refill(): number {
    const now = this.now();
    const earned = this.rate(this.last - this.start) * (now - this.last);
    const rate = this.rate(now - this.start);
    const capacity = Math.max(rate * this.burstSeconds, this.minBurstBytes);
    this.tokens = Math.min(capacity, this.tokens + earned);
    this.last = now;
    return rate;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
