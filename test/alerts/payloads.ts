/** Alertmanager-shaped webhook payloads for catalogue alerts, as Alertmanager v0.25 sends them. */
import { createHash } from "node:crypto";
import type { WebhookPayload } from "../../alerts/notifier/webhook.ts";
import { expandAnnotations, staticLabels } from "../../alerts/templates.ts";
import { type AlertKey, alerts } from "../../model/alerts.ts";

export interface TestAlert {
  key: AlertKey;
  labels: Record<string, string>;
  value: number;
  threshold: number;
  status?: "firing" | "resolved";
}

const STARTS = "2026-11-22T10:00:00.123Z";
const ENDS = "2026-11-22T10:05:00Z";

export function payload(list: TestAlert[], status: "firing" | "resolved" = "firing"): WebhookPayload {
  const built = list.map((a) => {
    const def = alerts[a.key];
    const labels = { alertname: def.name, ...a.labels, ...staticLabels(def) };
    const s = a.status ?? status;
    return {
      status: s,
      labels,
      annotations: expandAnnotations(def, a.labels, a.value, a.threshold),
      startsAt: STARTS,
      endsAt: s === "resolved" ? ENDS : "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus/graph",
      fingerprint: createHash("sha256").update(JSON.stringify(labels)).digest("hex").slice(0, 16),
    };
  });
  return {
    version: "4",
    groupKey: '{}:{tenant="acme"}',
    truncatedAlerts: 0,
    status,
    receiver: "rpowatch",
    groupLabels: {},
    commonLabels: { tenant: "acme" },
    commonAnnotations: {},
    externalURL: "http://alertmanager",
    alerts: built,
  };
}
