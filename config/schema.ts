/**
 * Schema of the rpowatch stack configuration (`rpowatch start --config FILE`,
 * `rpowatch check-config FILE`), documented in docs/config.md. Each part owns the schema of its
 * own section; this file composes them. Every field has an embedded default, so an empty file
 * (or no file) runs the whole stack locally.
 */
import { z } from "zod";
import { alertsConfig, DEFAULT_ALERTS_CONFIG } from "../alerts/config.ts";
import { collectorConfig } from "../collector/config.ts";
import { DEFAULT_HISTORY_CONFIG, historyConfig } from "../history/config.ts";
import { byteSize, duration, hostPort } from "../lib/config-file.ts";
import { DEFAULT_STACK_DATA_DIR } from "../lib/stack-data-dir.ts";
import { DEFAULT_REPORTS_CONFIG, reportsConfig } from "../reports/schedule/config.ts";

export const workloadProfile = z.enum(["steady", "bursty", "daily"]);

export const stackConfig = z
  .object({
    tenant: z.string().min(1).default("default"),
    /** Where the embedded engine sites keep images, queues and journals. */
    dataDir: z.string().min(1).default(DEFAULT_STACK_DATA_DIR),
    exporter: z
      .object({ listen: hostPort.default("127.0.0.1:9464") })
      .strict()
      .default({ listen: "127.0.0.1:9464" }),
    /** Sources the collector reads, beyond the embedded engine sites, and its rate window. */
    collector: collectorConfig.default({ sources: [], rateWindow: 60 }),
    /** The embedded demo: two engine sites and a workload generator writing through NBD. */
    embedded: z
      .object({
        enabled: z.boolean().default(true),
        groups: z.number().int().min(1).max(20).default(2),
        volumesPerGroup: z.number().int().min(1).max(16).default(2),
        volumeSize: byteSize.default(64 * 1024 ** 2),
        /** Change rate per volume. */
        rate: byteSize.default(256 * 1024),
        /**
         * Protection window each group must keep at the recovery site. Journal capacity and the
         * bookmark interval follow from it and the change rate (cli/stack/site-files.ts,
         * docs/operations.md "The embedded stack's settings").
         */
        window: duration.default(300),
        profile: workloadProfile.default("steady"),
        /** Link bandwidth limit between the two sites; 0 = unlimited. */
        linkLimit: byteSize.default(0),
        /**
         * Replaces every alert's `for` in the built-in evaluator, so a demo sees alerts fire within
         * seconds instead of minutes; default: each alert's own `for` (docs/alerts.md).
         */
        alertFor: duration.optional(),
      })
      .strict()
      .default({
        enabled: true,
        groups: 2,
        volumesPerGroup: 2,
        volumeSize: 64 * 1024 ** 2,
        rate: 256 * 1024,
        window: 300,
        profile: "steady",
        linkLimit: 0,
      }),
    /** Alert notification (SNMP, e-mail), the built-in evaluator and per-tenant routes: alerts/config.ts. */
    alerts: alertsConfig.default(DEFAULT_ALERTS_CONFIG),
    /** History of every exported series (embedded DuckDB file or InfluxDB), tiers, buffer: history/config.ts. */
    history: historyConfig.default(DEFAULT_HISTORY_CONFIG),
    /** Reports the stack makes by itself on a schedule and mails: reports/schedule/config.ts. */
    reports: reportsConfig.default(DEFAULT_REPORTS_CONFIG),
  })
  .strict()
  .superRefine((config, ctx) => {
    // A scheduled report reads the stack's own history and mails through the alerts' SMTP server.
    config.reports.schedule.forEach((entry, i) => {
      if (!config.history.enabled) {
        ctx.addIssue({
          code: "custom",
          path: ["reports", "schedule", i],
          message: "a scheduled report reads the stack's history, but history.enabled is false",
        });
      }
      if (entry.recipients.length > 0 && !config.alerts.email) {
        ctx.addIssue({
          code: "custom",
          path: ["reports", "schedule", i, "recipients"],
          message: "mailing a report needs an SMTP server: configure alerts.email (host, from, to)",
        });
      }
    });
  });

export type StackConfig = z.output<typeof stackConfig>;
