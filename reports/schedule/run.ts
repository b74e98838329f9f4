/**
 * One scheduled run: the period before the slot made into a report (the same report
 * `rpowatch report` writes), its files written into the schedule's directory and, when it has
 * recipients, mailed to them. Any failure rejects; the scheduler counts and logs it.
 */
import { resolve } from "node:path";
import type { HistoryReader } from "../../history/store.ts";
import { makeReport } from "../make.ts";
import { reportBasename, writeReport } from "../render/write.ts";
import type { ScheduleEntry } from "./config.ts";
import { type ReportMailer, reportMail } from "./mail.ts";
import type { CompletedRun } from "./run-record.ts";
import { periodBefore } from "./slots.ts";

export interface RunContext {
  reader: HistoryReader;
  /** The stack's data directory; a relative `dir` is under it. */
  dataDir: string;
  /** Absent when no SMTP server is configured (the configuration then allows no recipients). */
  mailer?: ReportMailer;
  say: (line: string) => void;
  /** Unix milliseconds now. */
  now: () => number;
}

export async function runScheduledReport(entry: ScheduleEntry, slotMs: number, ctx: RunContext): Promise<CompletedRun> {
  const period = periodBefore(entry.kind, slotMs);
  const name = reportBasename(entry.kind, period, entry.tenant ?? null);
  ctx.say(`scheduled report ${name}: reading ${period} from history`);
  const report = await makeReport(entry.kind, ctx.reader, period, {
    ...(entry.tenant !== undefined && { tenant: entry.tenant }),
    now: ctx.now() / 1000,
    say: ctx.say,
  });
  const written = await writeReport(resolve(ctx.dataDir, entry.dir), report, ctx.say);
  if (written.pdfError) ctx.say(`scheduled report ${name}: no PDF: ${written.pdfError}`);
  if (entry.recipients.length > 0) {
    if (!ctx.mailer) throw new Error("the report has recipients but no SMTP server is configured (alerts.email)");
    await ctx.mailer.send(reportMail(entry.kind, period, entry.tenant, report, written, entry.recipients));
    ctx.say(`scheduled report ${name}: mailed to ${entry.recipients.join(", ")}`);
  }
  return {
    slot: new Date(slotMs).toISOString(),
    period,
    finishedAt: new Date(ctx.now()).toISOString(),
    files: written.files,
    mailedTo: [...entry.recipients],
  };
}
