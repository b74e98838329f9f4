/**
 * Maps one Alertmanager alert onto the typed varbinds of RPOWATCH-MIB (alerts/mib-objects.ts):
 * one trap per alert, sharing the alert id between the raise and the clear.
 */

import netSnmp, { type Varbind } from "net-snmp";
import { ALERT_LIST, type AlertDef, OBJECTS_OID } from "../../model/alerts.ts";
import { ALERT_STATES, MIB_OBJECTS, type MibObjectName, SEVERITY_CODES } from "../mib-objects.ts";
import type { WebhookAlert } from "./webhook.ts";

const BY_NAME = new Map(ALERT_LIST.map((a) => [a.name, a]));

export function catalogueAlert(alert: WebhookAlert): AlertDef | undefined {
  return BY_NAME.get(alert.labels.alertname ?? "");
}

/** SNMPv2-TC DateAndTime, 11-octet form in UTC. */
export function dateAndTime(date: Date): Buffer {
  const b = Buffer.alloc(11);
  b.writeUInt16BE(date.getUTCFullYear(), 0);
  b.writeUInt8(date.getUTCMonth() + 1, 2);
  b.writeUInt8(date.getUTCDate(), 3);
  b.writeUInt8(date.getUTCHours(), 4);
  b.writeUInt8(date.getUTCMinutes(), 5);
  b.writeUInt8(date.getUTCSeconds(), 6);
  b.writeUInt8(Math.floor(date.getUTCMilliseconds() / 100), 7);
  b.write("+", 8, "ascii");
  return b;
}

/**
 * Whole seconds for an Unsigned32, clamped: a bad or huge value must not break the trap. +Inf (a
 * drill never run) is the largest value, not 0; the text varbind says "+Inf" either way.
 */
function seconds(text: string | undefined): number {
  const v = text === "+Inf" ? Number.POSITIVE_INFINITY : Number(text);
  return Number.isNaN(v) ? 0 : Math.min(Math.max(Math.round(v), 0), 0xffffffff);
}

/** The event time: when the alert started, or for a clear when it ended. */
function eventTime(alert: WebhookAlert): Date {
  const end = alert.endsAt ? Date.parse(alert.endsAt) : Number.NaN;
  return alert.status === "resolved" && end > 0 ? new Date(end) : new Date(alert.startsAt);
}

export function alertVarbinds(alert: WebhookAlert, def: AlertDef | undefined): Varbind[] {
  const { OctetString, Integer, Unsigned32 } = netSnmp.ObjectType;
  const l = alert.labels;
  const a = alert.annotations;
  const isTime = def?.valueUnit === "seconds";
  const severity = (l.severity ?? def?.severity ?? "warning") as keyof typeof SEVERITY_CODES;
  const values: Record<MibObjectName, { type: number; value: string | number | Buffer }> = {
    rpowatchAlertId: { type: OctetString, value: alert.fingerprint },
    rpowatchAlertState: { type: Integer, value: ALERT_STATES[alert.status] },
    rpowatchSeverity: { type: Integer, value: SEVERITY_CODES[severity] ?? SEVERITY_CODES.warning },
    rpowatchTenant: { type: OctetString, value: l.tenant ?? "" },
    rpowatchSite: { type: OctetString, value: l.site ?? "" },
    rpowatchGroup: { type: OctetString, value: l.group ?? "" },
    rpowatchVolume: { type: OctetString, value: l.volume ?? "" },
    rpowatchRpoSeconds: { type: Unsigned32, value: isTime ? seconds(a.value) : 0 },
    rpowatchThresholdSeconds: { type: Unsigned32, value: isTime ? seconds(a.threshold) : 0 },
    rpowatchValue: { type: OctetString, value: a.value ?? "" },
    rpowatchThreshold: { type: OctetString, value: a.threshold ?? "" },
    rpowatchEventTime: { type: OctetString, value: dateAndTime(eventTime(alert)) },
    rpowatchLink: { type: OctetString, value: l.link ?? "" },
    rpowatchSource: { type: OctetString, value: l.source ?? "" },
    rpowatchSummary: { type: OctetString, value: (a.summary ?? l.alertname ?? "").slice(0, 255) },
    rpowatchRunbookUrl: { type: OctetString, value: (a.runbook_url ?? "").slice(0, 255) },
  };
  // Scalar instances (.0) of the accessible-for-notify objects, in MIB order.
  return MIB_OBJECTS.map((o) => ({ oid: `${OBJECTS_OID}.${o.id}.0`, ...values[o.name] }));
}
