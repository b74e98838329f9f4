/**
 * The `alerts` section of the stack configuration: where notifications go (SNMP trap receivers,
 * SMTP), the built-in evaluator, and per-tenant routes. Secrets (communities, v3 keys, SMTP
 * passwords) are secretRefs, resolved when the notifier starts.
 */
import { z } from "zod";
import { duration, secretRef } from "../lib/config-file.ts";
import { SEVERITIES } from "../model/entities.ts";

const severities = z.array(z.enum(SEVERITIES)).min(1);

const v3User = z
  .object({
    name: z.string().min(1),
    /** authPriv only: unauthenticated or unencrypted v3 is refused. */
    authProtocol: z.enum(["md5", "sha", "sha224", "sha256", "sha384", "sha512"]).default("sha"),
    authKey: secretRef,
    privProtocol: z.enum(["des", "aes", "aes256b", "aes256r"]).default("aes"),
    privKey: secretRef,
    /** Our engine ID (hex); the receiver must know it to authenticate our traps. Random when absent. */
    engineId: z
      .string()
      .regex(/^(0x)?[0-9a-fA-F]{10,64}$/)
      .optional(),
  })
  .strict();

export const snmpTarget = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(162),
    version: z.enum(["2c", "3"]).default("2c"),
    community: secretRef.optional(),
    user: v3User.optional(),
    /** Send INFORMs (acknowledged, retried) instead of fire-and-forget traps. */
    inform: z.boolean().default(false),
    /** Per-attempt timeout for INFORMs. */
    timeout: duration.default(5),
  })
  .strict()
  .refine((t) => (t.version === "2c" ? t.community !== undefined : t.user !== undefined), {
    message: "version 2c needs a community, version 3 a user",
  });
export type SnmpTargetConfig = z.output<typeof snmpTarget>;

export const emailConfig = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** Upgrade to TLS with STARTTLS and refuse to send in clear text. */
    starttls: z.boolean().default(true),
    auth: z
      .object({ user: z.string().min(1), password: secretRef })
      .strict()
      .optional(),
    /** PEM file of the CA that signed the SMTP server's certificate, for private CAs. */
    caFile: z.string().min(1).optional(),
    /** Accept any certificate; only for test sinks with self-signed certificates. */
    insecureSkipVerify: z.boolean().default(false),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
    severities: severities.default(["critical", "warning"]),
  })
  .strict();
export type EmailConfig = z.output<typeof emailConfig>;

export const tenantRoute = z
  .object({
    tenant: z.string().min(1),
    /** Extra recipients for this tenant's alerts, besides the NOC's `email.to`. */
    email: z.array(z.string().min(3)).default([]),
  })
  .strict();
export type TenantRoute = z.output<typeof tenantRoute>;

export const alertsConfig = z
  .object({
    evaluator: z
      .object({ enabled: z.boolean().default(true), interval: duration.default(5) })
      .strict()
      .default({ enabled: true, interval: 5 }),
    snmp: z.array(snmpTarget).default([]),
    email: emailConfig.optional(),
    /** Delivery attempts per notification and destination, with exponential backoff from `backoff`. */
    retries: z
      .object({ attempts: z.number().int().min(1).max(10).default(3), backoff: duration.default(1) })
      .strict()
      .default({ attempts: 3, backoff: 1 }),
    routes: z.array(tenantRoute).default([]),
  })
  .strict();
export type AlertsConfig = z.output<typeof alertsConfig>;

export const DEFAULT_ALERTS_CONFIG: AlertsConfig = alertsConfig.parse({});
