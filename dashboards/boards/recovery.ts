/**
 * Recovery readiness: what each group can be recovered to now, when it was last proven by a drill
 * (§9.3), and whether it runs a test or has failed over.
 */
import { FAILOVER_PHASES } from "../../model/entities.ts";
import { metrics } from "../../model/metrics.ts";
import type { DashboardSpec } from "../factory.ts";
import { promql, type ScopeVariable, selector } from "../query.ts";
import { stateCodeExpr } from "../states.ts";
import { THRESHOLDS } from "../thresholds.ts";

const scope: readonly ScopeVariable[] = ["tenant", "site", "group"];
const s = (m: (typeof metrics)[keyof typeof metrics]) => selector(m, scope);
const instant = { legend: "{{tenant}} / {{group}}", instant: true };

export const recovery: DashboardSpec = {
  uid: "rpowatch-recovery",
  title: "rpowatch / Recovery readiness",
  description:
    "Latest recovery point and bookmark per group, the recoverable range of its journal, its last successful test failover, and its test-failover or failover state.",
  scope,
  variableMetric: metrics.groupInfo,
  rows: [
    {
      title: "Recovery points",
      panels: [
        {
          kind: "bargauge",
          title: "Latest recovery point",
          metric: metrics.groupRecoveryPoint,
          queries: [promql(s(metrics.groupRecoveryPoint), instant)],
        },
        {
          kind: "bargauge",
          title: "Latest bookmark (consistency point)",
          metric: metrics.groupLastBookmark,
          queries: [promql(s(metrics.groupLastBookmark), instant)],
          alerts: ["consistencyPointStale"],
        },
        {
          kind: "bargauge",
          title: "Consistency-point age",
          metric: metrics.groupLastBookmark,
          description:
            "Time since each group's newest bookmark: the RPO for application-consistent recovery (domain.md §1).",
          unit: "s",
          queries: [promql(`time() - ${s(metrics.groupLastBookmark)}`, instant)],
          thresholds: THRESHOLDS.bookmarkAge,
          alerts: ["consistencyPointStale"],
        },
        {
          kind: "bargauge",
          title: "Oldest recoverable point",
          metric: metrics.journalOldest,
          queries: [promql(s(metrics.journalOldest), instant)],
          width: 12,
        },
        {
          kind: "bargauge",
          title: "Newest recoverable point",
          metric: metrics.journalNewest,
          queries: [promql(s(metrics.journalNewest), instant)],
          width: 12,
        },
        {
          kind: "bargauge",
          title: "Recovery-point age (recovery site's view)",
          metric: metrics.groupRecoveryPointAge,
          description:
            "Time since the newest recoverable point as the recovery site sees it: an upper bound. The group's RPO is the production site's (Group detail).",
          unit: "s",
          queries: [promql(s(metrics.groupRecoveryPointAge), instant)],
          width: 24,
        },
      ],
    },
    {
      title: "Drills and failover",
      panels: [
        {
          kind: "bargauge",
          title: "Last successful test failover",
          noValue: "No drill on record for any group shown: never tested",
          metric: metrics.groupLastTestFailover,
          queries: [promql(s(metrics.groupLastTestFailover), instant)],
          alerts: ["drTestOverdue"],
          width: 12,
        },
        {
          kind: "bargauge",
          title: "Time since last successful test failover",
          noValue: "No drill on record for any group shown: never tested",
          metric: metrics.groupLastTestFailover,
          description:
            "Time since each group's last successful DR drill; a group never drilled has no bar (no drill on record: DrTestOverdue says it was never tested).",
          unit: "s",
          queries: [promql(`time() - ${s(metrics.groupLastTestFailover)}`, instant)],
          thresholds: THRESHOLDS.drillAge,
          alerts: ["drTestOverdue"],
          width: 12,
        },
        {
          kind: "bargauge",
          title: "Last drill RTO",
          metric: metrics.groupLastDrillRto,
          description: "Measured RTO of each group's newest drill: request to first byte of every volume readable.",
          unit: "s",
          queries: [promql(s(metrics.groupLastDrillRto), instant)],
          width: 12,
        },
        {
          kind: "bargauge",
          title: "Test failover running",
          metric: metrics.groupImageAccess,
          description:
            "1 while a writable test failover of the group runs at the recovery site (image access mode test-failover).",
          unit: "short",
          queries: [promql(selector(metrics.groupImageAccess, scope, { mode: "test-failover" }), instant)],
          thresholds: THRESHOLDS.neutral,
          width: 12,
        },
        {
          kind: "statetimeline",
          title: "Failover",
          metric: metrics.groupFailover,
          description:
            "Failover phase of each group at each site: none; promoting, then promoted at the site it failed over to (its volumes served writable there, unprotected until reprotected); fenced at the old production site.",
          unit: "short",
          queries: [
            promql(stateCodeExpr(metrics.groupFailover, FAILOVER_PHASES, scope, ["tenant", "site", "group"], "phase"), {
              legend: "{{tenant}} / {{site}} / {{group}}",
            }),
          ],
          states: FAILOVER_PHASES,
          thresholds: THRESHOLDS.neutral,
          alerts: ["failedOverUnprotected"],
          width: 24,
        },
        {
          kind: "bargauge",
          title: "Test failover scratch use",
          metric: metrics.groupScratchUsed,
          description:
            "Share of its scratch area a running test failover has written; at 100% its writes are refused (ENOSPC).",
          unit: "percentunit",
          queries: [promql(`${s(metrics.groupScratchUsed)} / ${s(metrics.groupScratchCapacity)}`, instant)],
          thresholds: THRESHOLDS.journalUtilization,
          alerts: ["testFailoverScratchNearlyFull"],
          width: 12,
        },
        {
          kind: "bargauge",
          title: "Test failover scratch bound",
          metric: metrics.groupScratchCapacity,
          unit: "bytes",
          queries: [promql(s(metrics.groupScratchCapacity), instant)],
          width: 12,
        },
      ],
    },
  ],
};
