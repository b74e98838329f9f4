/**
 * The scheduler's clock: the time and a timer at a given time. Injected, so a test crosses a month
 * boundary on a clock it moves instead of waiting for one.
 */
export interface SchedulerClock {
  /** Unix milliseconds. */
  now(): number;
  /** Calls `fire` once at or after `atMs`; the returned function cancels it. */
  at(atMs: number, fire: () => void): () => void;
}

/** Node's timers take at most 2^31 − 1 ms (24.8 days); a monthly slot is further away. */
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  at(atMs, fire) {
    let timer: NodeJS.Timeout;
    // Re-reads the time on each wake, so a long wait is cut into legal timeouts and a clock that
    // jumped (a suspended host) still fires once the time has come.
    const wait = () => {
      const left = atMs - Date.now();
      timer = left <= 0 ? setTimeout(fire, 0) : setTimeout(wait, Math.min(left, LONGEST_TIMEOUT_MS));
      timer.unref();
    };
    wait();
    return () => clearTimeout(timer);
  },
};
