/**
 * The Alertmanager webhook payload (version 4), validated strictly enough that a malformed body is
 * refused with a reason before anything is sent. The built-in evaluator produces the same shape,
 * so both paths feed one notifier.
 */
import { z } from "zod";

const labelSet = z.record(z.string(), z.string());
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "not an RFC 3339 timestamp");

export const webhookAlert = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: labelSet.refine((l) => typeof l.alertname === "string" && l.alertname !== "", "labels.alertname is required"),
  annotations: labelSet.default({}),
  startsAt: timestamp,
  /** Alertmanager sends 0001-01-01T00:00:00Z for alerts still firing. */
  endsAt: timestamp.optional(),
  generatorURL: z.string().default(""),
  /** Alertmanager's hash of the label set: stable, so raise and clear share it. */
  fingerprint: z.string().min(1),
});
export type WebhookAlert = z.output<typeof webhookAlert>;

export const webhookPayload = z.object({
  version: z.literal("4"),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().default(0),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string(),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(""),
  alerts: z.array(webhookAlert).min(1),
});
export type WebhookPayload = z.output<typeof webhookPayload>;

/** What the channels receive: one webhook call, plus the tenant its route named (if any). */
export interface Notification {
  payload: WebhookPayload;
  /** Set when Alertmanager's per-tenant receiver called `?tenant=NAME`. */
  routeTenant?: string;
}

/** A delivery channel (SNMP, e-mail…): small and replaceable; it counts and retries its own sends. */
export interface NotifierChannel {
  readonly name: string;
  /** Never rejects for delivery failures: they are retried, counted and logged inside. */
  send(notification: Notification): Promise<void>;
}

/** The webhook body's problems as one readable line, for the 400 reply. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
}
