/**
 * Change-rate profiles: the target write rate (bytes/s) at a time since the workload started.
 * Every profile averages to the configured rate over a whole cycle, so profiles can be compared
 * at the same mean change rate and only their shape differs.
 */

export const PROFILE_NAMES = ["steady", "bursty", "daily"] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export interface ProfileOptions {
  /** Average change rate, bytes per second. */
  averageRate: number;
  /** bursty: length of one burst (default 10 s). */
  burstSeconds?: number;
  /** bursty: rate during a burst as a multiple of the average (default 5); idle for the rest of the cycle. */
  burstFactor?: number;
  /** daily: length of one cycle (default 86400 s; compress it for demos, e.g. 600 s). */
  periodSeconds?: number;
  /** daily: swing around the average as a fraction of it (default 0.8: 20 % at night, 180 % at peak). */
  amplitude?: number;
}

export type RateFunction = (elapsedSeconds: number) => number;

export function rateFunction(profile: ProfileName, options: ProfileOptions): RateFunction {
  const average = options.averageRate;
  if (!(average > 0)) throw new Error(`average rate must be positive, not ${average}`);
  switch (profile) {
    case "steady":
      return () => average;
    case "bursty": {
      const burst = options.burstSeconds ?? 10;
      const factor = options.burstFactor ?? 5;
      if (!(burst > 0) || !(factor >= 1)) throw new Error("bursty profile needs burstSeconds > 0 and burstFactor >= 1");
      // One burst at factor × average, then idle for the rest of a cycle of factor × burst seconds.
      const cycle = burst * factor;
      return (t) => (t % cycle < burst ? average * factor : 0);
    }
    case "daily": {
      const period = options.periodSeconds ?? 86_400;
      const amplitude = options.amplitude ?? 0.8;
      if (!(period > 0) || !(amplitude >= 0 && amplitude <= 1)) {
        throw new Error("daily profile needs periodSeconds > 0 and 0 <= amplitude <= 1");
      }
      // Starts at the trough ("midnight") and peaks half a period later.
      return (t) => average * (1 - amplitude * Math.cos((2 * Math.PI * t) / period));
    }
  }
}
