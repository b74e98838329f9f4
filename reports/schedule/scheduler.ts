/**
 * Runs the configured report schedules in the running stack. Each schedule's next slot is armed on
 * the injected clock; at start, a slot that passed while the stack was down (after the schedule's
 * last completed run in the durable record) is run once — the latest one only, however many were
 * missed. Runs go one at a time. A failed run is logged and counted, never thrown: it is not
 * recorded, so the next start runs it again, and the next slot runs its own period as usual.
 */
import type { Logger } from "../../lib/log.ts";
import type { ReportKind } from "../kinds.ts";
import type { SchedulerClock } from "./clock.ts";
import { type ScheduleEntry, scheduleId } from "./config.ts";
import type { CompletedRun, RunRecord } from "./run-record.ts";
import { Slots } from "./slots.ts";
import type { ReportRunStats } from "./stats.ts";

export interface ReportSchedulerOptions {
  entries: readonly ScheduleEntry[];
  record: RunRecord;
  clock: SchedulerClock;
  /** Makes, writes and mails one report for a slot; rejects on failure. */
  run: (entry: ScheduleEntry, slotMs: number) => Promise<CompletedRun>;
  stats: ReportRunStats;
  logger: Logger;
}

interface Schedule {
  id: string;
  entry: ScheduleEntry;
  slots: Slots;
}

export class ReportScheduler {
  private readonly schedules: Schedule[];
  private readonly timers = new Map<string, () => void>();
  private readonly nextSlot = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: ReportSchedulerOptions) {
    this.schedules = options.entries.map((entry) => ({
      id: scheduleId(entry),
      entry,
      slots: new Slots(entry.cron, entry.timezone),
    }));
  }

  /** Catches up missed runs (queued, not awaited) and arms each schedule's next slot. */
  async start(): Promise<void> {
    const { record, clock, logger } = this.options;
    const now = clock.now();
    for (const schedule of this.schedules) {
      const covered = record.coveredUntil(schedule.id);
      if (covered === undefined) {
        await record.seen(schedule.id, now);
      } else {
        const missed = schedule.slots.atOrBefore(now);
        if (missed !== null && missed > covered) {
          logger.info(
            { schedule: schedule.id, slot: new Date(missed).toISOString() },
            "scheduled report missed while the stack was down: running it now",
          );
          this.enqueue(schedule, missed);
        }
      }
      this.arm(schedule, now);
    }
  }

  /** Each schedule's next slot (Unix ms), for the start-up message; absent when its expression names no later time. */
  next(): Array<{ id: string; kind: ReportKind; cron: string; timezone: string; atMs?: number }> {
    return this.schedules.map(({ id, entry }) => ({
      id,
      kind: entry.kind,
      cron: entry.cron,
      timezone: entry.timezone,
      ...(this.nextSlot.has(id) && { atMs: this.nextSlot.get(id) }),
    }));
  }

  /** Resolves when no run is queued or running. */
  async idle(): Promise<void> {
    for (let seen: Promise<void> | undefined; seen !== this.queue; ) {
      seen = this.queue;
      await seen;
    }
  }

  /** Arms no more slots; a run under way finishes first. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    await this.idle();
  }

  private arm(schedule: Schedule, fromMs: number): void {
    const at = schedule.slots.after(fromMs);
    this.nextSlot.delete(schedule.id);
    if (at === null) {
      this.options.logger.warn({ schedule: schedule.id }, "scheduled report: the cron expression names no later time");
      return;
    }
    this.nextSlot.set(schedule.id, at);
    const cancel = this.options.clock.at(at, () => {
      if (this.stopped) return;
      // A timer that fired late (a suspended host) runs the latest slot passed, once.
      const now = this.options.clock.now();
      this.enqueue(schedule, Math.max(at, schedule.slots.atOrBefore(now) ?? at));
      this.arm(schedule, Math.max(at, now));
    });
    this.timers.set(schedule.id, cancel);
  }

  private enqueue(schedule: Schedule, slotMs: number): void {
    this.queue = this.queue.then(() => this.runOnce(schedule, slotMs));
  }

  private async runOnce(schedule: Schedule, slotMs: number): Promise<void> {
    const { record, stats, logger, run } = this.options;
    const last = record.lastRun(schedule.id);
    if (last && Date.parse(last.slot) >= slotMs) return;
    const slot = new Date(slotMs).toISOString();
    try {
      const completed = await run(schedule.entry, slotMs);
      await record.completed(schedule.id, completed);
      stats.record(schedule.entry.kind, "succeeded");
      logger.info(
        { schedule: schedule.id, slot, period: completed.period, files: completed.files, mailedTo: completed.mailedTo },
        "scheduled report done",
      );
    } catch (err) {
      stats.record(schedule.entry.kind, "failed");
      logger.error(
        { schedule: schedule.id, slot, err: (err as Error).message },
        "scheduled report failed: it runs again at the next start",
      );
    }
  }
}
