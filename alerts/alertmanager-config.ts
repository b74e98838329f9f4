/**
 * Alertmanager configuration for the rpowatch notifier: alerts grouped per tenant, site and group,
 * routed by tenant and severity to the rpowatch webhook (`send_resolved: true` set explicitly:
 * Alertmanager's default for webhooks is on, but e-mail's is off and we want the rule visible),
 * info to the NOC board only, and the catalogue's inhibitions (model/alerts.ts INHIBITIONS), which
 * the built-in evaluator applies too.
 */
import { INHIBITIONS } from "../model/alerts.ts";
import type { TenantRoute } from "./config.ts";
import { CRITICAL_GROUP_WAIT } from "./paging-budget.ts";

export const WEBHOOK_PATH = "/api/v1/alertmanager";

export interface AlertmanagerOptions {
  /** Base URL of the rpowatch exporter that mounts the notifier router. */
  rpowatchUrl?: string;
  tenants?: readonly TenantRoute[];
  /** Shorter timings for tests; production keeps Alertmanager-style defaults. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
}

const RECEIVER = "rpowatch";
const BOARD = "noc-board";

function webhookReceiver(name: string, url: string) {
  return { name, webhook_configs: [{ url, send_resolved: true, max_alerts: 0 }] };
}

export function buildAlertmanagerConfig(opts: AlertmanagerOptions = {}) {
  const base = opts.rpowatchUrl ?? "http://127.0.0.1:9464";
  const webhook = `${base}${WEBHOOK_PATH}`;
  const tenants = opts.tenants ?? [];
  const severityRoutes = [
    { matchers: ['severity="info"'], receiver: BOARD },
    { matchers: ['severity="critical"'], group_wait: opts.groupWait ?? CRITICAL_GROUP_WAIT, repeat_interval: "1h" },
    { matchers: ['severity="warning"'] },
  ];
  return {
    route: {
      receiver: RECEIVER,
      group_by: ["tenant", "site", "group", "alertname"],
      group_wait: opts.groupWait ?? "30s",
      group_interval: opts.groupInterval ?? "5m",
      repeat_interval: opts.repeatInterval ?? "4h",
      routes: [
        // Each configured tenant gets its own receiver, so the notifier can add the tenant's recipients;
        // its severity routes inherit that receiver.
        ...tenants.map((t) => ({
          matchers: [`tenant="${t.tenant}"`],
          receiver: `tenant-${t.tenant}`,
          routes: severityRoutes,
        })),
        ...severityRoutes,
      ],
    },
    receivers: [
      webhookReceiver(RECEIVER, webhook),
      { name: BOARD },
      ...tenants.map((t) => webhookReceiver(`tenant-${t.tenant}`, `${webhook}?tenant=${encodeURIComponent(t.tenant)}`)),
    ],
    inhibit_rules: INHIBITIONS.map((i) => ({
      source_matchers: [`alertname="${i.source.name}"`],
      target_matchers: [`alertname="${i.target.name}"`],
      equal: [...i.equal],
    })),
  };
}
