/** Config of an `snmp` source: WAN interfaces polled over IF-MIB, each attributed to a link (docs/sources.md). */
import { z } from "zod";
import { duration, secretRef } from "../../lib/config-file.ts";

const snmpInterface = z
  .strictObject({
    /** The replication link this interface carries; becomes the `link` label. */
    link: z.string().min(1),
    ifName: z.string().min(1).optional(),
    ifIndex: z.number().int().positive().optional(),
  })
  .refine((i) => (i.ifName === undefined) !== (i.ifIndex === undefined), "give exactly one of ifName or ifIndex");

const snmpAuth = z.discriminatedUnion("version", [
  z.strictObject({ version: z.literal("2c"), community: secretRef }),
  z.strictObject({
    version: z.literal("3"),
    /** SNMPv3 user, always authPriv. */
    user: z.string().min(1),
    authProtocol: z.enum(["sha", "sha224", "sha256", "sha384", "sha512"]).default("sha"),
    authKey: secretRef,
    privProtocol: z.enum(["aes", "aes256b", "aes256r"]).default("aes"),
    privKey: secretRef,
  }),
]);

export const snmpSourceConfig = z.strictObject({
  kind: z.literal("snmp"),
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only"),
  settings: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(161),
    tenant: z.string().min(1).default("default"),
    site: z.string().min(1),
    interval: duration.default(30),
    /** Per request; a poll fails after timeout × (retries + 1). */
    timeout: duration.default(5),
    retries: z.number().int().min(0).max(5).default(1),
    auth: snmpAuth,
    interfaces: z.array(snmpInterface).min(1).max(64),
  }),
});
export type SnmpSourceConfig = z.output<typeof snmpSourceConfig>;
