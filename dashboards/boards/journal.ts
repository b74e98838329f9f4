/** Journal and capacity: fill, protection window against policy, time until full, distribution backlog (§5.4). */
import { metrics } from "../../model/metrics.ts";
import type { DashboardSpec } from "../factory.ts";
import { promql, type ScopeVariable, selector, series } from "../query.ts";
import { THRESHOLDS } from "../thresholds.ts";

const scope: readonly ScopeVariable[] = ["tenant", "site", "group"];
const G = ["tenant", "group"] as const;

export const journal: DashboardSpec = {
  uid: "rpowatch-journal",
  title: "rpowatch / Journal and capacity",
  description:
    "Journal utilization, protection window against the required window, time until full and distribution backlog.",
  scope,
  variableMetric: metrics.journalUsed,
  rows: [
    {
      title: "Fill",
      panels: [
        {
          kind: "gauge",
          title: "Journal utilization",
          metric: metrics.journalUtilization,
          queries: [promql(selector(metrics.journalUtilization, scope), { legend: "{{group}}", instant: true })],
          thresholds: THRESHOLDS.journalUtilization,
          alerts: ["journalFillingUp"],
        },
        {
          kind: "stat",
          title: "Time until full",
          metric: metrics.journalFullEta,
          queries: [promql(selector(metrics.journalFullEta, scope), { legend: "{{group}}", instant: true })],
          thresholds: THRESHOLDS.journalFullEta,
          alerts: ["journalFillingUp"],
        },
        {
          kind: "stat",
          title: "Protection window / required",
          metric: metrics.journalWindowRatio,
          queries: [promql(selector(metrics.journalWindowRatio, scope), { legend: "{{group}}", instant: true })],
          thresholds: THRESHOLDS.protectionWindowRatio,
          alerts: ["protectionWindowShort", "protectionWindowCritical"],
        },
        {
          kind: "stat",
          title: "Journals reserved / store capacity",
          metric: metrics.journalStoreCapacity,
          description:
            "Sum of the journal capacities on each site divided by the capacity of the file system holding them: above 100% the journals are over-allocated.",
          unit: "percentunit",
          queries: [
            promql(
              `sum by (tenant, site, source) (${selector(metrics.journalCapacity, scope)}) / max by (tenant, site, source) (${selector(metrics.journalStoreCapacity, scope)})`,
              { legend: "{{site}}", instant: true },
            ),
          ],
          thresholds: THRESHOLDS.overAllocation,
          alerts: ["journalOverAllocated"],
        },
        {
          kind: "timeseries",
          title: "Used against capacity",
          metric: metrics.journalUsed,
          description: "Journal space used and its capacity (hard limit), per group.",
          queries: [
            series(metrics.journalUsed, G, { legend: "used" }),
            series(metrics.journalCapacity, G, { legend: "capacity" }),
          ],
        },
        {
          kind: "timeseries",
          title: "Protection window against required",
          metric: metrics.journalWindow,
          description:
            "Protection window achieved (newest minus oldest recoverable point) and the window the retention policy requires.",
          queries: [
            series(metrics.journalWindow, G, { legend: "achieved" }),
            series(metrics.journalWindowTarget, G, { legend: "required" }),
          ],
          alerts: ["protectionWindowShort", "protectionWindowCritical"],
        },
      ],
    },
    {
      title: "Distribution and trimming",
      panels: [
        {
          kind: "timeseries",
          title: "Distribution backlog",
          metric: metrics.journalPending,
          queries: [series(metrics.journalPending, G)],
        },
        {
          kind: "timeseries",
          title: "History trimmed by reason",
          metric: metrics.journalTrimmedBytes,
          description:
            "Bytes per second of history trimmed: aged out of the window (time) or evicted for room (space). Space trims shorten the protection window.",
          unit: "Bps",
          queries: [series(metrics.journalTrimmedBytes, ["group", "reason"], { rate: true })],
          alerts: ["protectionWindowShort", "protectionWindowCritical"],
        },
        {
          kind: "timeseries",
          title: "Corrupt records",
          metric: metrics.journalCorruptRecords,
          description:
            "Journal records that failed their checksum at the recovery site, per interval: counted, never applied. Anything above zero is damaged storage or a damaged transfer.",
          unit: "short",
          queries: [
            promql(`sum by (group) (increase(${selector(metrics.journalCorruptRecords, scope)}[$__rate_interval]))`, {
              legend: "{{group}}",
            }),
          ],
          alerts: ["journalCorruptRecords"],
        },
      ],
    },
  ],
};
