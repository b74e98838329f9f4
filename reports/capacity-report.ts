/**
 * The monthly capacity report as data: what the JSON file holds (docs/report.schema.json is its
 * published schema) and what the HTML and CSV render. Base units throughout: bytes, seconds,
 * bytes per second, ratios; times as ISO 8601 UTC. A figure that could not be measured is null,
 * never 0.
 */

export interface Interval {
  start: string;
  end: string;
  minutes: number;
}

export interface RateFigures {
  averageBytesPerSecond: number | null;
  p95BytesPerSecond: number | null;
  peakBytesPerSecond: number | null;
}

export type Level = "tenant" | "site" | "group" | "volume";

export interface ChangeRow extends RateFigures {
  level: Level;
  tenant: string;
  site: string | null;
  group: string | null;
  volume: string | null;
  /** Raw change per day of the month (null: no measurement that day). */
  dailyBytes: (number | null)[];
  totalBytes: number | null;
  averageDailyBytes: number | null;
  /** Raw change divided by the site's link compression ratio; null without link data. */
  compressedTotalBytes: number | null;
  compressedAverageDailyBytes: number | null;
  compressionRatio: number | null;
}

export interface LinkRow {
  tenant: string;
  site: string;
  link: string;
  dailyWireBytes: (number | null)[];
  wireBytes: number | null;
  rawBytes: number | null;
  compressionRatio: number | null;
  /** Last effective limit seen; null when unlimited or never reported. */
  limitBytesPerSecond: number | null;
  throughputP95BytesPerSecond: number | null;
  throughputPeakBytesPerSecond: number | null;
  utilizationP95: number | null;
  utilizationPeak: number | null;
  hoursAtLimit: number | null;
  outages: Interval[];
}

export interface Incident extends Interval {
  peakRpoSeconds: number;
}

export interface RpoRow {
  tenant: string;
  site: string;
  group: string;
  targetSeconds: number;
  /** True when no target was recorded and the default (1800 s) was assumed. */
  targetAssumed: boolean;
  measuredMinutes: number;
  maxSeconds: number | null;
  p95Seconds: number | null;
  minutesBeyondTarget: number;
  /** Highest RPO of each day (null: not measured that day). */
  dailyMaxSeconds: (number | null)[];
  /** Share of measured minutes within target, 0–1; null when nothing was measured. */
  compliance: number | null;
  worstIncidents: Incident[];
}

export interface ProtectionRow {
  tenant: string;
  site: string;
  group: string;
  requiredWindowSeconds: number | null;
  achievedMinSeconds: number | null;
  achievedAverageSeconds: number | null;
  minutesShortOfWindow: number | null;
  journalCapacityBytes: number | null;
  journalPeakUtilization: number | null;
  bitmapDays: string[];
  /** Not in the metric catalogue: always null until a flow-control series exists. */
  flowControlDays: string[] | null;
}

export interface JournalSizingRow {
  tenant: string;
  site: string;
  group: string;
  changeRateBytesPerSecond: number;
  requiredWindowSeconds: number;
  /** EMC: 1.05 × R × T / (1 − f), at least 10 GB (000_e7ab14c372fca572.txt L112–L114). */
  recommendedJournalBytes: number;
  floorApplied: boolean;
  journalCapacityBytes: number | null;
  /** InMage: daily change ÷ 24 × window hours (001_0cf9b2a003f84c21.txt L1494). */
  retentionStorageBytes: number;
}

export interface BandwidthFigure {
  bytesPerSecond: number;
  /** InMage Analyzer: MB/s × 8192 × (1 + factor) (001_0cf9b2a003f84c21.txt L1500). */
  requiredKbitPerSecond: number;
  /** Required ≤ available; null when the available bandwidth is not known (no limit). */
  achievable: boolean | null;
}

export interface BandwidthSizingRow {
  tenant: string;
  site: string;
  availableKbitPerSecond: number | null;
  averageRaw: BandwidthFigure | null;
  averageCompressed: BandwidthFigure | null;
  peakRaw: BandwidthFigure | null;
  peakCompressed: BandwidthFigure | null;
}

export type ForecastStatus = "short-now" | "date" | "holds";

export interface JournalForecast {
  tenant: string;
  site: string;
  group: string;
  /** Fitted growth of daily change, bytes per day per day. */
  dailyChangeSlopeBytes: number;
  /** Fitted growth over the month relative to the month's mean; null when nothing changed. */
  growthPerMonth: number | null;
  status: ForecastStatus;
  /** Day the journal stops holding its window at this growth; null unless status is "date". */
  date: string | null;
}

export interface LinkForecast {
  tenant: string;
  site: string;
  link: string;
  dailyWireSlopeBytes: number;
  /** Fitted growth over the month relative to the month's mean; null when nothing changed. */
  growthPerMonth: number | null;
  status: ForecastStatus;
  /** Day the link's p95 utilization reaches its limit at this growth. */
  date: string | null;
}

export type RiskCategory =
  | "rpo-missed"
  | "window-short"
  | "journal-undersized"
  | "bitmap"
  | "link-outage"
  | "bandwidth"
  | "forecast"
  | "missing-data";

export interface Risk {
  category: RiskCategory;
  subject: string;
  text: string;
}

export interface CapacityReport {
  kind: "capacity";
  schemaVersion: 1;
  month: string;
  tenant: string | null;
  from: string;
  /** End of the month, or of what has been measured so far when the month is still running. */
  to: string;
  generatedAt: string;
  days: string[];
  assumptions: {
    imageAccessShare: number;
    bandwidthAdjustmentFactor: number;
    atLimitUtilization: number;
    percentile: number;
  };
  coverage: { minutes: number; coveredMinutes: number; gaps: Interval[] };
  risks: Risk[];
  change: ChangeRow[];
  links: LinkRow[];
  rpo: RpoRow[];
  protection: ProtectionRow[];
  sizing: { journals: JournalSizingRow[]; bandwidth: BandwidthSizingRow[] };
  forecast: { journals: JournalForecast[]; links: LinkForecast[] };
}
