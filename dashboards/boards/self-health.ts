/** rpowatch self-health: is the monitoring itself working (sources, collection, notifications)? */
import { metrics } from "../../model/metrics.ts";
import type { DashboardSpec } from "../factory.ts";
import { promql, series } from "../query.ts";
import { THRESHOLDS } from "../thresholds.ts";

const S = ["source"] as const;

export const selfHealth: DashboardSpec = {
  uid: "rpowatch-self-health",
  title: "rpowatch / Self-health",
  description:
    "Sources up, collection duration and staleness, ingestion and errors, notifications sent and failed, the history writer.",
  scope: [],
  variableMetric: metrics.sourceUp,
  rows: [
    {
      title: "Sources",
      panels: [
        {
          kind: "stat",
          title: "Sources up",
          metric: metrics.sourceUp,
          queries: [promql(metrics.sourceUp.name, { legend: "{{source}}", instant: true })],
          thresholds: THRESHOLDS.upIsGood,
          alerts: ["sourceDown", "sourceDataStale"],
          width: 12,
        },
        {
          kind: "stat",
          title: "Last successful collection",
          metric: metrics.sourceLastSuccess,
          queries: [promql(metrics.sourceLastSuccess.name, { legend: "{{source}}", instant: true })],
          width: 12,
        },
        {
          kind: "timeseries",
          title: "Collection duration",
          metric: metrics.sourceCollectDuration,
          queries: [series(metrics.sourceCollectDuration, S)],
        },
        {
          kind: "timeseries",
          title: "Data age",
          metric: metrics.sourceDataAge,
          queries: [series(metrics.sourceDataAge, S)],
          thresholds: THRESHOLDS.dataAge,
          alerts: ["sourceDataStale"],
        },
        {
          kind: "timeseries",
          title: "Samples ingested",
          metric: metrics.sourceSamples,
          description: "Samples per second ingested from each source.",
          unit: "short",
          queries: [series(metrics.sourceSamples, S, { rate: true })],
        },
        {
          kind: "timeseries",
          title: "Collection errors",
          metric: metrics.sourceErrors,
          description: "Failed collections or refused pushes per interval, per source.",
          unit: "short",
          queries: [
            promql(`sum by (source) (increase(${metrics.sourceErrors.name}[$__rate_interval]))`, {
              legend: "{{source}}",
            }),
          ],
          thresholds: THRESHOLDS.anyIsBad,
        },
        {
          kind: "timeseries",
          title: "Refusals naming no source",
          metric: metrics.pushRefusals,
          description:
            "Per interval, by reason: pushes refused before a source could be named (no token, a token no source owns) and Alertmanager webhook posts refused (not JSON, not a webhook payload, too large).",
          unit: "short",
          queries: [
            promql(`sum by (reason) (increase(${metrics.pushRefusals.name}[$__rate_interval]))`, {
              legend: "push {{reason}}",
            }),
            promql(`sum by (reason) (increase(${metrics.alertmanagerWebhookRefusals.name}[$__rate_interval]))`, {
              legend: "webhook {{reason}}",
            }),
          ],
          thresholds: THRESHOLDS.anyIsBad,
          width: 24,
        },
      ],
    },
    {
      title: "Notifications",
      panels: [
        {
          kind: "timeseries",
          title: "Notifications sent and failed",
          noValue:
            "No notifications: no SNMP or e-mail channel is configured (alerts.snmp, alerts.email: docs/notifier.md), or none has been sent",
          metric: metrics.notifications,
          description:
            "SNMP traps and e-mails per interval by channel and result; each is counted once, as sent or failed.",
          unit: "short",
          queries: [
            promql(`sum by (channel, result) (increase(${metrics.notifications.name}[$__rate_interval]))`, {
              legend: "{{channel}} {{result}}",
            }),
          ],
          width: 24,
        },
      ],
    },
    {
      title: "History",
      panels: [
        {
          kind: "timeseries",
          title: "History buffer",
          metric: metrics.historyBufferedPoints,
          description: "Points waiting on disk for the history store, and the buffer's bound.",
          unit: "short",
          queries: [
            promql(metrics.historyBufferedPoints.name, { legend: "buffered {{instance}}" }),
            promql(metrics.historyBufferCapacity.name, { legend: "bound {{instance}}" }),
          ],
          alerts: ["historyBufferFilling"],
        },
        {
          kind: "timeseries",
          title: "History points written, failed writes, dropped points",
          metric: metrics.historyWrittenPoints,
          description:
            "Per interval: points the history store accepted, writes it refused, points the full buffer dropped.",
          unit: "short",
          queries: [
            promql(`increase(${metrics.historyWrittenPoints.name}[$__rate_interval])`, { legend: "written" }),
            promql(`increase(${metrics.historyWriteFailures.name}[$__rate_interval])`, { legend: "failed writes" }),
            promql(`increase(${metrics.historyDroppedPoints.name}[$__rate_interval])`, { legend: "dropped" }),
          ],
        },
        {
          kind: "timeseries",
          title: "Scheduled report runs",
          metric: metrics.reportRuns,
          description:
            "Per interval: scheduled reports made and mailed, and runs that failed (run again at the next start).",
          unit: "short",
          queries: [
            promql(`increase(${metrics.reportRuns.name}[$__rate_interval])`, { legend: "{{report}} {{result}}" }),
          ],
        },
      ],
    },
  ],
};
