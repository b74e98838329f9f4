/**
 * Starts the configured report schedules over the stack's history: opens the run record under the
 * data directory, catches up a missed run and arms the next slots. Progress goes to the log.
 */
import { resolve } from "node:path";
import type { HistoryReader } from "../../history/store.ts";
import type { Logger } from "../../lib/log.ts";
import { type SchedulerClock, systemClock } from "./clock.ts";
import type { ReportsConfig } from "./config.ts";
import type { ReportMailer } from "./mail.ts";
import { runScheduledReport } from "./run.ts";
import { RunRecord } from "./run-record.ts";
import { ReportScheduler } from "./scheduler.ts";
import type { ReportRunStats } from "./stats.ts";

export interface StartScheduleOptions {
  config: ReportsConfig;
  dataDir: string;
  reader: HistoryReader;
  mailer?: ReportMailer;
  stats: ReportRunStats;
  logger: Logger;
  clock?: SchedulerClock;
}

export async function startReportSchedule(options: StartScheduleOptions): Promise<ReportScheduler> {
  const { config, dataDir, reader, mailer, stats, logger } = options;
  const clock = options.clock ?? systemClock;
  const record = await RunRecord.open(resolve(dataDir, config.stateFile));
  const scheduler = new ReportScheduler({
    entries: config.schedule,
    record,
    clock,
    stats,
    logger,
    run: (entry, slotMs) =>
      runScheduledReport(entry, slotMs, {
        reader,
        dataDir,
        ...(mailer && { mailer }),
        now: () => clock.now(),
        say: (line) => logger.info({ report: entry.kind }, line.trim()),
      }),
  });
  await scheduler.start();
  return scheduler;
}
