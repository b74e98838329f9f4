/**
 * A schedule's slots (the times its cron expression names, read in its time zone, through croner)
 * and the period a slot reports: the last calendar month (capacity) or day (health) in UTC that
 * had ended by the slot, which is what `rpowatch report` would be asked for by hand that morning.
 */
import { Cron } from "croner";
import type { ReportKind } from "../kinds.ts";

export class Slots {
  private readonly cron: Cron;

  constructor(expression: string, timezone: string) {
    this.cron = new Cron(expression, { timezone });
  }

  /** The first slot strictly after `ms`, or null when the expression names no later time. */
  after(ms: number): number | null {
    return this.cron.nextRun(new Date(ms))?.getTime() ?? null;
  }

  /** The latest slot at or before `ms`, or null when there is none. */
  atOrBefore(ms: number): number | null {
    // croner's previous runs are strictly before the reference and whole seconds.
    return this.cron.previousRuns(1, new Date(Math.floor(ms / 1000) * 1000 + 1000))[0]?.getTime() ?? null;
  }
}

/** "2026-11" for a capacity slot in December 2026 (UTC); "2026-11-30" for a health slot on 1 December. */
export function periodBefore(kind: ReportKind, slotMs: number): string {
  const slot = new Date(slotMs);
  if (kind === "capacity") {
    return new Date(Date.UTC(slot.getUTCFullYear(), slot.getUTCMonth() - 1, 1)).toISOString().slice(0, 7);
  }
  return new Date(Date.UTC(slot.getUTCFullYear(), slot.getUTCMonth(), slot.getUTCDate() - 1))
    .toISOString()
    .slice(0, 10);
}
