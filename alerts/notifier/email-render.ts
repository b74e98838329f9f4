/**
 * One e-mail per webhook call: a storm of alerts in one Alertmanager group becomes one message,
 * with a text and an HTML part, each alert's value, threshold and runbook link, and resolved
 * notices marked as such.
 */
import type { WebhookAlert, WebhookPayload } from "./webhook.ts";

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

const PLACE = ["tenant", "site", "group", "volume", "link", "source"] as const;

function place(a: WebhookAlert): string {
  return PLACE.filter((k) => a.labels[k])
    .map((k) => `${k}=${a.labels[k]}`)
    .join(" ");
}

function status(a: WebhookAlert): string {
  return a.status === "resolved" ? "RESOLVED" : (a.labels.severity ?? "alert").toUpperCase();
}

export function renderMail(alerts: readonly WebhookAlert[], payload: WebhookPayload): RenderedMail {
  const firing = alerts.filter((a) => a.status === "firing").length;
  const resolved = alerts.length - firing;
  const names = [...new Set(alerts.map((a) => a.labels.alertname))].join(", ");
  const tenant = payload.commonLabels.tenant ? ` [${payload.commonLabels.tenant}]` : "";
  const counts = [firing && `${firing} firing`, resolved && `${resolved} resolved`].filter(Boolean).join(", ");
  const subject = `[rpowatch]${tenant} ${counts}: ${names}`;
  const text = alerts
    .map((a) =>
      [
        `${status(a)} ${a.labels.alertname} (${place(a)})`,
        `  ${a.annotations.summary ?? ""}`,
        `  ${a.annotations.description ?? ""}`,
        `  value ${a.annotations.value ?? "?"}, threshold ${a.annotations.threshold ?? "?"}, since ${a.startsAt}`,
        `  runbook: ${a.annotations.runbook_url ?? "-"}`,
      ].join("\n"),
    )
    .join("\n\n");
  const rows = alerts
    .map(
      (a) =>
        `<tr><td><b>${escapeHtml(status(a))}</b></td><td>${escapeHtml(a.labels.alertname ?? "")}</td><td>${escapeHtml(place(a))}</td>` +
        `<td>${escapeHtml(a.annotations.description ?? a.annotations.summary ?? "")}</td>` +
        `<td>${escapeHtml(a.annotations.value ?? "")}</td><td>${escapeHtml(a.annotations.threshold ?? "")}</td>` +
        `<td><a href="${escapeHtml(a.annotations.runbook_url ?? "")}">runbook</a></td></tr>`,
    )
    .join("\n");
  const html = `<html><body><h2>${escapeHtml(subject)}</h2>
<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Status</th><th>Alert</th><th>Where</th><th>Description</th><th>Value</th><th>Threshold</th><th>Runbook</th></tr>
${rows}
</table></body></html>
`;
  return { subject, text: `${subject}\n\n${text}\n`, html };
}
