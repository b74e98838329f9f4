/**
 * The `collector` section of the stack config. Each source kind's schema lives next to its adapter
 * (collector/sources/<kind>-config.ts); add yours to SOURCE_SCHEMAS and to collector/sources/factories.ts.
 */
import { z } from "zod";
import { duration } from "../lib/config-file.ts";
import { engineSourceConfig } from "./sources/engine-config.ts";
import { postgresSourceConfig } from "./sources/postgres-config.ts";
import { pushSourceConfig } from "./sources/push-config.ts";
import { snmpSourceConfig } from "./sources/snmp-config.ts";

const SOURCE_SCHEMAS = [engineSourceConfig, pushSourceConfig, snmpSourceConfig, postgresSourceConfig] as const;

export const sourceConfig = z.discriminatedUnion("kind", SOURCE_SCHEMAS);
export type SourceConfig = z.output<typeof sourceConfig>;

export const collectorConfig = z
  .object({
    sources: z
      .array(sourceConfig)
      .default([])
      .refine((list) => new Set(list.map((s) => s.name)).size === list.length, "source names must be unique"),
    /** Window over which counters become rates (change rate, throughput) and backlog slopes. */
    rateWindow: duration.default(60),
  })
  .strict();

export type CollectorConfig = z.output<typeof collectorConfig>;
