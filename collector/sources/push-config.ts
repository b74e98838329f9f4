/** Config of a `push` source: a third-party component that sends batches to the push API (docs/push-api.md). */
import { z } from "zod";
import { duration, secretRef } from "../../lib/config-file.ts";

export const pushSourceConfig = z.strictObject({
  kind: z.literal("push"),
  /** Becomes the `source` label; unique per collector. */
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only"),
  settings: z.strictObject({
    token: secretRef.describe("bearer token the client sends; { env } or { file }, never inline"),
    /** When set, samples for any other tenant are refused (403): a tenant's token cannot write another's data. */
    tenants: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Longest the client may stay silent: data older than this is stale (figures turn
     * conservative). A client with nothing new to say re-sends its last batch within it.
     */
    heartbeat: duration.default(60),
  }),
});
export type PushSourceConfig = z.output<typeof pushSourceConfig>;
