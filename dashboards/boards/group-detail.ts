/** Consistency group detail: one group's RPO, change, backlog and where it sits, state and bookmarks (§9.1). */
import { GROUP_STATES } from "../../model/entities.ts";
import { metrics } from "../../model/metrics.ts";
import type { DashboardSpec } from "../factory.ts";
import { promql, type ScopeVariable, selector, series } from "../query.ts";
import { stateCodeExpr } from "../states.ts";
import { THRESHOLDS } from "../thresholds.ts";

const scope: readonly ScopeVariable[] = ["tenant", "site", "group", "volume"];
const G = ["tenant", "group"] as const;

export const groupDetail: DashboardSpec = {
  uid: "rpowatch-group-detail",
  title: "rpowatch / Consistency group detail",
  description: "Per-volume RPO against target, change rate, backlog by location, replication state and bookmarks.",
  scope,
  variableMetric: metrics.groupInfo,
  rows: [
    {
      title: "RPO",
      panels: [
        {
          kind: "stat",
          title: "Group RPO",
          metric: metrics.groupRpo,
          queries: [series(metrics.groupRpo, G)],
          alerts: ["rpoThresholdExceeded"],
        },
        {
          kind: "stat",
          title: "RPO / target",
          metric: metrics.groupRpoTargetRatio,
          queries: [series(metrics.groupRpoTargetRatio, G)],
          thresholds: THRESHOLDS.rpoRatio,
          alerts: ["rpoThresholdExceeded", "rpoApproaching"],
        },
        {
          kind: "stat",
          title: "RPO at risk",
          metric: metrics.groupRpoAtRisk,
          queries: [series(metrics.groupRpoAtRisk, G)],
          thresholds: THRESHOLDS.flagIsBad,
          alerts: ["rpoAtRisk"],
        },
        {
          kind: "stat",
          title: "Backlog drain ETA",
          metric: metrics.groupDrainEta,
          queries: [series(metrics.groupDrainEta, G)],
          width: 3,
        },
        {
          kind: "stat",
          title: "Draining",
          metric: metrics.groupDrainEtaValid,
          queries: [series(metrics.groupDrainEtaValid, G)],
          thresholds: THRESHOLDS.upIsGood,
          width: 3,
        },
        {
          kind: "timeseries",
          title: "Volume RPO against target",
          metric: metrics.volumeRpo,
          description: `${metrics.volumeRpo.help} The "target" series is the group's RPO target.`,
          queries: [
            series(metrics.volumeRpo, ["group", "volume"]),
            series(metrics.groupRpoTarget, ["group"], { legend: "target" }),
          ],
          alerts: ["rpoThresholdExceeded"],
          width: 24,
        },
      ],
    },
    {
      title: "Change and backlog",
      panels: [
        {
          kind: "timeseries",
          title: "Change rate per volume",
          metric: metrics.volumeChangeRate,
          queries: [series(metrics.volumeChangeRate, ["volume"])],
        },
        {
          kind: "timeseries",
          title: "Group change rate vs drain rate",
          metric: metrics.groupDrainRate,
          description:
            "Change rate (new data) against drain rate (data made durable at recovery): the backlog grows while change exceeds drain.",
          queries: [
            series(metrics.groupChangeRate, ["group"], { legend: "change" }),
            series(metrics.groupDrainRate, ["group"], { legend: "drain" }),
          ],
          alerts: ["backlogGrowing"],
        },
        {
          kind: "timeseries",
          title: "Backlog by location",
          metric: metrics.groupBacklogBytes,
          queries: [series(metrics.groupBacklogBytes, ["location"])],
          alerts: ["replicationStalled"],
        },
        {
          kind: "stat",
          title: "Bottleneck",
          metric: metrics.groupBottleneck,
          queries: [
            promql(`${selector(metrics.groupBottleneck, scope)} == 1`, {
              legend: "{{group}}: {{location}}",
              instant: true,
            }),
          ],
          thresholds: THRESHOLDS.neutral,
          width: 6,
        },
        {
          kind: "stat",
          title: "Writes not yet durable",
          metric: metrics.groupBacklogWrites,
          queries: [series(metrics.groupBacklogWrites, ["group"])],
          width: 6,
        },
        {
          kind: "timeseries",
          title: "Write and trim throughput",
          metric: metrics.volumeWrittenBytes,
          description: "Bytes per second written and discarded (TRIM, WRITE_ZEROES) by clients, per volume.",
          unit: "Bps",
          queries: [
            series(metrics.volumeWrittenBytes, ["volume"], { rate: true, legend: "written" }),
            series(metrics.volumeTrimmedBytes, ["volume"], { rate: true, legend: "trimmed" }),
          ],
        },
        {
          kind: "timeseries",
          title: "Write operations",
          metric: metrics.volumeWriteOps,
          description: "Client write operations per second, per volume.",
          unit: "wps",
          queries: [series(metrics.volumeWriteOps, ["volume"], { rate: true })],
        },
        {
          kind: "timeseries",
          title: "Average write size",
          description: "Bytes per write operation, per volume: small writes compress and drain worse (§9.1).",
          unit: "bytes",
          queries: [
            promql(
              `sum by (volume) (rate(${selector(metrics.volumeWrittenBytes, scope)}[$__rate_interval])) / sum by (volume) (rate(${selector(metrics.volumeWriteOps, scope)}[$__rate_interval]) > 0)`,
              { legend: "{{volume}}" },
            ),
          ],
        },
      ],
    },
    {
      title: "State, sync and bookmarks",
      panels: [
        {
          kind: "statetimeline",
          title: "Replication state",
          metric: metrics.groupState,
          description:
            "Replication state of each group over time (from the state set; error and bitmap make no new recovery points).",
          unit: "short",
          queries: [
            promql(stateCodeExpr(metrics.groupState, GROUP_STATES, scope, G), { legend: "{{tenant}} / {{group}}" }),
          ],
          states: GROUP_STATES,
          thresholds: THRESHOLDS.neutral,
          alerts: ["sourceBitmapMode"],
        },
        {
          kind: "stat",
          title: "Sync progress",
          metric: metrics.groupSyncProgress,
          queries: [series(metrics.groupSyncProgress, G)],
          alerts: ["initialSyncStalled"],
        },
        {
          kind: "stat",
          title: "Sync ETA",
          metric: metrics.groupSyncEta,
          queries: [series(metrics.groupSyncEta, G)],
        },
        {
          kind: "stat",
          title: "Resync required",
          metric: metrics.groupResyncRequired,
          queries: [series(metrics.groupResyncRequired, G)],
          thresholds: THRESHOLDS.flagIsBad,
          alerts: ["resyncRequired"],
        },
        {
          kind: "stat",
          title: "Last bookmark",
          metric: metrics.groupLastBookmark,
          queries: [series(metrics.groupLastBookmark, G)],
          alerts: ["consistencyPointStale"],
        },
        {
          kind: "stat",
          title: "Bookmark interval",
          metric: metrics.groupBookmarkInterval,
          queries: [series(metrics.groupBookmarkInterval, G)],
        },
        {
          kind: "table",
          title: "Volume sizes",
          metric: metrics.volumeSize,
          queries: [promql(selector(metrics.volumeSize, scope), { instant: true, table: true })],
          width: 18,
        },
      ],
    },
  ],
};
