import type { SchedulerClock } from "../../reports/schedule/clock.ts";

/** A scheduler clock the test moves: timers fire in time order as it passes them, never by waiting. */
export class ManualClock implements SchedulerClock {
  private readonly timers = new Set<{ atMs: number; fire: () => void }>();

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  at(atMs: number, fire: () => void): () => void {
    const timer = { atMs, fire };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves the time forward to `ms`, firing each timer due on the way (one armed by a firing timer too) at its time. */
  advanceTo(ms: number): void {
    if (ms < this.time) throw new Error(`a clock only moves forward: ${new Date(ms).toISOString()} is before now`);
    for (;;) {
      const due = [...this.timers].filter((t) => t.atMs <= ms).sort((a, b) => a.atMs - b.atMs)[0];
      if (!due) break;
      this.timers.delete(due);
      this.time = Math.max(this.time, due.atMs);
      due.fire();
    }
    this.time = ms;
  }

  /** Timers not yet fired, for asserting what is armed. */
  pending(): number[] {
    return [...this.timers].map((t) => t.atMs).sort((a, b) => a - b);
  }
}
