/**
 * The `reports` section of the stack configuration (docs/reports.md "Scheduled reports"): which
 * reports the running stack makes by itself, when (a cron expression, checked here with croner so
 * a typo fails at load, not on the 1st of the month), into which directory, and to whom it mails
 * them. Relative directories are under the stack's `dataDir`.
 */
import { Cron } from "croner";
import { z } from "zod";
import { REPORT_KINDS, type ReportKind } from "../kinds.ts";

/** Monthly at 06:00 on the 1st; daily at 06:00: after the period ended and its last minute rolled up. */
export const DEFAULT_CRON: Record<ReportKind, string> = { capacity: "0 6 1 * *", health: "0 6 * * *" };

/** Why croner refuses an expression or a time zone; null when it takes them. */
export function cronProblem(cron: string, timezone: string): string | null {
  try {
    new Cron(cron, { timezone }).nextRun(new Date(0));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

function timezoneProblem(timezone: string): string | null {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return null;
  } catch {
    return `unknown time zone "${timezone}": expected an IANA name such as UTC or Europe/Paris`;
  }
}

const scheduleEntry = z
  .object({
    kind: z.enum(REPORT_KINDS).describe("capacity: the previous month's report; health: the previous day's"),
    cron: z
      .string()
      .min(1)
      .optional()
      .describe(
        `when to run, a cron expression (5 or 6 fields); default capacity "${DEFAULT_CRON.capacity}", health "${DEFAULT_CRON.health}"`,
      ),
    timezone: z.string().min(1).default("UTC").describe("IANA time zone the cron expression is read in"),
    dir: z.string().min(1).default("reports").describe("where the files are written; relative to dataDir"),
    recipients: z
      .array(z.string().min(3))
      .default([])
      .describe("mailed the report (HTML body, PDF and CSV attached) through alerts.email's server; none: files only"),
    tenant: z.string().min(1).optional().describe("only this tenant; default all tenants in one report"),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const zone = timezoneProblem(entry.timezone);
    if (zone) {
      ctx.addIssue({ code: "custom", path: ["timezone"], message: zone });
      return;
    }
    const cron = entry.cron ?? DEFAULT_CRON[entry.kind];
    const problem = cronProblem(cron, entry.timezone);
    if (problem)
      ctx.addIssue({ code: "custom", path: ["cron"], message: `"${cron}" is not a cron expression: ${problem}` });
  })
  .transform((entry) => ({ ...entry, cron: entry.cron ?? DEFAULT_CRON[entry.kind] }));

export type ScheduleEntry = z.output<typeof scheduleEntry>;

/** What identifies a schedule across restarts (its run record): kind, tenant and directory, not its timing. */
export function scheduleId(entry: Pick<ScheduleEntry, "kind" | "tenant" | "dir">): string {
  return `${entry.kind}:${entry.tenant ?? "*"}:${entry.dir}`;
}

export const reportsConfig = z
  .object({
    schedule: z
      .array(scheduleEntry)
      .default([])
      .superRefine((entries, ctx) => {
        const seen = new Map<string, number>();
        entries.forEach((entry, i) => {
          const id = scheduleId(entry);
          const first = seen.get(id);
          if (first === undefined) seen.set(id, i);
          else
            ctx.addIssue({
              code: "custom",
              path: [i],
              message: `the same report (${entry.kind}, tenant ${entry.tenant ?? "all"}, dir ${entry.dir}) as entry ${first}: one schedule per report and directory`,
            });
        });
      }),
    /** The run record of each schedule, for missed-run catch-up; relative to dataDir. */
    stateFile: z
      .string()
      .min(1)
      .default("report-schedule.json")
      .describe("each schedule's last completed run; relative to dataDir"),
  })
  .strict();

export type ReportsConfig = z.output<typeof reportsConfig>;
export const DEFAULT_REPORTS_CONFIG: ReportsConfig = reportsConfig.parse({});
