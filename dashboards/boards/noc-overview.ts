/** NOC overview: the RPO wall. What is wrong right now, worst first (domain.md §9.2 daily review). */
import { GROUP_STATES } from "../../model/entities.ts";
import { metrics } from "../../model/metrics.ts";
import type { DashboardSpec } from "../factory.ts";
import { promql, type ScopeVariable, selector, series } from "../query.ts";
import { THRESHOLDS } from "../thresholds.ts";
import { ALERTS_ANY_STATE, ALERTS_FIRING } from "./alerts-selector.ts";

const scope: readonly ScopeVariable[] = ["tenant", "site"];
const s = (m: (typeof metrics)[keyof typeof metrics], match?: Record<string, string>) => selector(m, scope, match);

export const nocOverview: DashboardSpec = {
  uid: "rpowatch-noc-overview",
  title: "rpowatch / NOC overview",
  description:
    "Groups by state, worst RPO against target, compliance today, alerts firing, links, journals and stale sources.",
  scope,
  variableMetric: metrics.groupInfo,
  rows: [
    {
      title: "Now",
      panels: [
        {
          kind: "stat",
          title: "Groups by state",
          metric: metrics.groupState,
          description: `Number of consistency groups in each replication state (${GROUP_STATES.join(", ")}).`,
          unit: "short",
          queries: [promql(`sum by (state) (${s(metrics.groupState)})`, { legend: "{{state}}", instant: true })],
          thresholds: THRESHOLDS.neutral,
          width: 8,
        },
        {
          kind: "stat",
          title: "RPO compliance today",
          metric: metrics.groupRpoTargetRatio,
          description:
            "Share of today (since midnight, dashboard time zone) during which the groups' RPO was within target, averaged over groups.",
          unit: "percentunit",
          queries: [
            promql(`avg(avg_over_time((${s(metrics.groupRpoTargetRatio)} <= bool 1)[$__range:$__interval]))`, {
              legend: "within target",
              instant: true,
            }),
          ],
          thresholds: THRESHOLDS.compliance,
          timeFrom: "now/d",
          width: 8,
        },
        {
          kind: "stat",
          title: "Alerts firing",
          description:
            "rpowatch alerts firing now in Prometheus (ALERTS series), by severity; 0 when none. The table below lists them.",
          unit: "short",
          queries: [
            promql(
              `sum by (severity) (${ALERTS_FIRING}) or on() label_replace(vector(0), "severity", "none", "", "")`,
              {
                legend: "{{severity}}",
                instant: true,
              },
            ),
          ],
          thresholds: THRESHOLDS.anyIsBad,
          width: 8,
        },
        {
          kind: "bargauge",
          title: "Worst groups by RPO / target",
          metric: metrics.groupRpoTargetRatio,
          queries: [
            promql(`topk(10, ${s(metrics.groupRpoTargetRatio)})`, { legend: "{{tenant}} / {{group}}", instant: true }),
          ],
          thresholds: THRESHOLDS.rpoRatio,
          alerts: ["rpoThresholdExceeded", "rpoApproaching"],
          width: 12,
        },
        {
          kind: "table",
          title: "Alerts firing and pending",
          description:
            "Every rpowatch alert firing now, or pending (condition true, waiting out its `for`), with its labels; empty when all is well.",
          unit: "short",
          queries: [promql(ALERTS_ANY_STATE, { instant: true, table: true })],
          width: 12,
        },
        {
          kind: "bargauge",
          title: "Links nearest saturation",
          metric: metrics.linkUtilization,
          queries: [
            promql(`topk(5, ${s(metrics.linkUtilization)})`, { legend: "{{tenant}} / {{link}}", instant: true }),
          ],
          thresholds: THRESHOLDS.linkUtilization,
          alerts: ["bandwidthSaturated"],
        },
        {
          kind: "bargauge",
          title: "Journals nearest full",
          metric: metrics.journalUtilization,
          queries: [
            promql(`topk(5, ${s(metrics.journalUtilization)})`, { legend: "{{tenant}} / {{group}}", instant: true }),
          ],
          thresholds: THRESHOLDS.journalUtilization,
          alerts: ["journalFillingUp"],
        },
        {
          kind: "bargauge",
          title: "Stalest sources",
          metric: metrics.sourceDataAge,
          queries: [promql(`topk(5, ${metrics.sourceDataAge.name})`, { legend: "{{source}}", instant: true })],
          thresholds: THRESHOLDS.dataAge,
          alerts: ["sourceDataStale"],
        },
      ],
    },
    {
      title: "History",
      panels: [
        {
          kind: "timeseries",
          title: "Group RPO / target",
          metric: metrics.groupRpoTargetRatio,
          queries: [series(metrics.groupRpoTargetRatio, ["tenant", "group"])],
          thresholds: THRESHOLDS.rpoRatio,
          alerts: ["rpoThresholdExceeded"],
          width: 24,
        },
      ],
    },
  ],
};
