/** The period's minute slots and days, shared by every section of a report. */
import type { Interval } from "./capacity-report.ts";
import { SLOT_SECONDS } from "./minute-grid.ts";
import { isoDay, isoMinute, type Period } from "./period.ts";
import type { Run } from "./statistics.ts";

export const SLOTS_PER_DAY = 86400 / SLOT_SECONDS;
export const SLOTS_PER_HOUR = 3600 / SLOT_SECONDS;

export class Frame {
  readonly slots: number;
  readonly days: string[];

  constructor(readonly period: Period) {
    this.slots = Math.ceil((period.to - period.from) / SLOT_SECONDS);
    this.days = Array.from({ length: Math.ceil(this.slots / SLOTS_PER_DAY) }, (_, d) =>
      isoDay(period.from + d * 86400),
    );
  }

  slotTime(slot: number): number {
    return this.period.from + slot * SLOT_SECONDS;
  }

  interval(run: Run): Interval {
    return {
      start: isoMinute(this.slotTime(run.start)),
      end: isoMinute(this.slotTime(run.end)),
      minutes: run.end - run.start,
    };
  }

  /** Days (ISO) holding at least one slot that passes the test. */
  daysWhere(values: ArrayLike<number>, test: (v: number) => boolean): string[] {
    const found = new Set<string>();
    for (let i = 0; i < values.length; i++) {
      if (!Number.isNaN(values[i]) && test(values[i]!)) found.add(this.days[Math.floor(i / SLOTS_PER_DAY)]!);
    }
    return [...found];
  }
}
