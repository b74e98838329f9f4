/**
 * Colour thresholds, one named set per signal. Values follow the alert defaults of domain.md §6 so a
 * panel turns orange/red where the matching alert warns/fires.
 * TODO(catalogue): move these next to the metrics once MetricDef has a `thresholds` field.
 */
export interface Step {
  value: number | null;
  color: "green" | "orange" | "red" | "blue" | "text";
}

/** Higher is worse: green, then orange from `warn`, red from `crit`. */
const rising = (warn: number, crit: number): Step[] => [
  { value: null, color: "green" },
  { value: warn, color: "orange" },
  { value: crit, color: "red" },
];

/** Lower is worse: red, then orange from `crit`, green from `warn`. */
const falling = (crit: number, warn: number): Step[] => [
  { value: null, color: "red" },
  { value: crit, color: "orange" },
  { value: warn, color: "green" },
];

const DAY = 86_400;

export const THRESHOLDS = {
  /** RpoApproaching at 0.8, RpoThresholdExceeded above 1. */
  rpoRatio: rising(0.8, 1.000001),
  /** JournalFillingUp at the warning limit (80%), JournalHardLimitReached near full. */
  journalUtilization: rising(0.8, 0.95),
  /** RetentionShortfall: warning below 0.85, critical below 0.75. */
  protectionWindowRatio: falling(0.75, 0.85),
  /** JournalFillingUp: full within 24 h. */
  journalFullEta: falling(DAY / 4, DAY),
  /** BandwidthClipping above 90% of the limit. */
  linkUtilization: rising(0.7, 0.9),
  /** TelemetryStale: 3 × the 1 s engine heartbeat warns, the 30 min default RPO target is critical. */
  dataAge: rising(3, 1800),
  /** DrDrillOverdue: 31 days warns, 365 days is critical. */
  drillAge: rising(31 * DAY, 365 * DAY),
  /** ConsistencyPointsStale: newest bookmark older than 2 × the default 30 min interval. */
  bookmarkAge: rising(3600, 2 * DAY),
  /** RPO compliance: anything under 99% of the time within target is worth a look. */
  compliance: falling(0.95, 0.99),
  /** Journals reserved over the store's capacity (RetentionOverAllocated). */
  overAllocation: rising(0.9, 1.000001),
  /** 1 = good (up, valid). */
  upIsGood: [
    { value: null, color: "red" },
    { value: 1, color: "green" },
  ],
  /** 1 = bad (at risk, resync required). */
  flagIsBad: [
    { value: null, color: "green" },
    { value: 1, color: "red" },
  ],
  /** Counts of failures: any is bad. */
  anyIsBad: rising(1, 10),
  /** Plain information: no colour judgement. */
  neutral: [{ value: null, color: "blue" }],
} as const satisfies Record<string, readonly Step[]>;
