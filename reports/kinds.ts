/** The reports rpowatch makes: the monthly capacity report and the daily health report. */
export const REPORT_KINDS = ["capacity", "health"] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];
