/** Config of a `postgres` source: one primary's streaming replication, one group per standby (docs/sources.md). */
import { z } from "zod";
import { duration, secretRef } from "../../lib/config-file.ts";

/** A server to connect to; the password, if any, is a secret and never part of the URL. */
const connection = z.strictObject({
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected postgresql://user@host:port/database")
    .refine((url) => !/^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(url), "put the password in `password`, not in the URL"),
  password: secretRef.optional(),
});

export const postgresSourceConfig = z.strictObject({
  kind: z.literal("postgres"),
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only"),
  settings: z.strictObject({
    primary: connection,
    /** Optional: gives the standby's own replay timestamp when the primary has no lag figure. */
    standby: connection.extend({ applicationName: z.string().min(1).default("walreceiver") }).optional(),
    tenant: z.string().min(1).default("default"),
    /** Site of the primary; the groups live here. */
    site: z.string().min(1),
    /** Site of the standbys, shown as the groups' peer. */
    peerSite: z.string().default(""),
    /**
     * application_names that must be streaming. One that is absent is reported in state error
     * with a growing RPO; standbys seen since start are remembered the same way.
     */
    standbys: z.array(z.string().min(1)).default([]),
    rpoTarget: duration.default(1800),
    interval: duration.default(15),
    /** Connect and statement timeout per poll. */
    timeout: duration.default(5),
  }),
});
export type PostgresSourceConfig = z.output<typeof postgresSourceConfig>;
