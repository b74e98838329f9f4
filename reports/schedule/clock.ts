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

/**
 * The longest wait between two readings of the wall clock. Timers run on a monotonic clock that
 * stands still while the host is suspended and ignores the wall clock being set: re-reading it
 * hourly runs a slot passed that way within the hour (and keeps within Node's 24.8-day timer limit).
 */
const LONGEST_WAIT_MS = 3_600_000;

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  at(atMs, fire) {
    let timer: NodeJS.Timeout;
    const wait = () => {
      const left = atMs - Date.now();
      timer = left <= 0 ? setTimeout(fire, 0) : setTimeout(wait, Math.min(left, LONGEST_WAIT_MS));
      timer.unref();
    };
    wait();
    return () => clearTimeout(timer);
  },
};
