/**
 * The daily health report as data, after the seeds' InMage health report
 * (001_0cf9b2a003f84c21.txt L5427–L5443): one row per group for one day, plus the day's link and
 * source outages. Base units; null = not measured.
 */
import type { Interval } from "./capacity-report.ts";

export interface HealthRow {
  tenant: string;
  site: string;
  group: string;
  changeBytes: number | null;
  compressedChangeBytes: number | null;
  /** Retention window: policy (required) and available (lowest achieved that day). */
  requiredWindowSeconds: number | null;
  availableWindowSeconds: number | null;
  rpoTargetSeconds: number;
  rpoMaxSeconds: number | null;
  hoursRpoNotMet: number;
  rpoCompliance: number | null;
  /** Not in the metric catalogue: null until a flow-control series exists. */
  flowControlledHours: number | null;
  /** History evicted from the journal for room that day; null without the counter. */
  retentionLogReset: boolean | null;
  resyncs: Interval[];
  bitmapEpisodes: Interval[];
  journalWarnings: string[];
}

export interface HealthReport {
  kind: "health";
  schemaVersion: 1;
  day: string;
  tenant: string | null;
  from: string;
  to: string;
  generatedAt: string;
  coverage: { minutes: number; coveredMinutes: number; gaps: Interval[] };
  groups: HealthRow[];
  linkOutages: { tenant: string; site: string; link: string; outages: Interval[] }[];
  sourceOutages: { source: string; outages: Interval[] }[];
}
