/** Config of an `engine` source: one site of rpowatch's bundled replication engine. */
import { z } from "zod";
import { duration } from "../../lib/config-file.ts";

export const engineSourceConfig = z
  .object({
    kind: z.literal("engine"),
    /** Becomes the `source` label; unique per collector. */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only"),
    /** Base URL of the site's status API, e.g. http://127.0.0.1:9601. */
    url: z.url({ protocol: /^https?$/ }),
    /** Tenant of the site's links (groups carry their own). */
    tenant: z.string().min(1).default("default"),
    /** Polling interval of `GET /status` while the WebSocket stream is unavailable. */
    pollInterval: duration.default(5),
    /** Bound on each request and on the stream handshake; a hung site fails the attempt, not the collector. */
    timeout: duration.default(5),
    /**
     * The stream is considered dead (the source down) when no message arrives for this long;
     * default: the stream's snapshot interval (1 s) plus `timeout`, when its data turns stale too.
     */
    streamIdleTimeout: duration.optional(),
    /** Reconnect backoff of the stream: starts at min, doubles up to max. */
    reconnectMin: duration.default(0.5),
    reconnectMax: duration.default(30),
  })
  .strict();

export type EngineSourceConfig = z.output<typeof engineSourceConfig>;
