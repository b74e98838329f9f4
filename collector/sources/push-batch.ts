/**
 * The wire format of the push API: one batch of samples from a third-party replication component.
 * This zod schema is the single definition; the JSON Schema in docs/push-api.md is generated from
 * it (push-doc.ts). It has no transforms, so the published schema describes exactly what is accepted.
 * Every number is bounded: counters are non-negative safe integers, so "NaN", Infinity (1e400
 * parses to it), negative counters and 2^64-sized values are all refused with their field path.
 */
import { z } from "zod";
import { DEFAULT_BOOKMARK_INTERVAL_SECONDS, DEFAULT_RPO_TARGET_SECONDS, GROUP_STATES } from "../../model/entities.ts";

/** 2100-01-01: far enough for any real clock, small enough to catch milliseconds sent as seconds. */
const MAX_TIMESTAMP = 4_102_444_800;
/** Ten years: an RPO or window beyond this is a unit mistake, not an observation. */
const MAX_SECONDS = 315_360_000;

const text = z
  .string()
  .max(128)
  .regex(/^[^\p{Cc}]*$/u, "control characters are not allowed");
const name = text.min(1);
const timestamp = z.number().positive().max(MAX_TIMESTAMP).describe("Unix time in seconds, source clock");
const seconds = z.number().nonnegative().max(MAX_SECONDS);
const counter = z.number().int().nonnegative().describe("monotonic counter, non-negative safe integer");
const bytes = z.number().int().nonnegative();
const ratio = z.number().min(0).max(1);

export const pushVolume = z.strictObject({
  name,
  sizeBytes: bytes,
  writtenBytesTotal: counter,
  writeOpsTotal: counter,
  trimmedBytesTotal: counter.optional(),
  rpoSeconds: seconds,
});

export const pushGroup = z.strictObject({
  timestamp,
  tenant: name,
  site: name,
  group: name,
  state: z.enum(GROUP_STATES),
  mode: z.enum(["async", "sync"]).default("async"),
  peerSite: text.default(""),
  rpoSeconds: seconds.describe("the vendor's actual RPO (e.g. Zerto ActualRPO, InMage rpoInSeconds)"),
  rpoTargetSeconds: seconds.default(DEFAULT_RPO_TARGET_SECONDS),
  recoveryPointTimestamp: timestamp.optional().describe("newest recoverable point; omitted when unknown"),
  backlogBytes: z
    .strictObject({
      production: bytes.default(0),
      in_flight: bytes.default(0),
      recovery: bytes.default(0),
    })
    .default({ production: 0, in_flight: 0, recovery: 0 })
    .describe("pending bytes by where they sit"),
  backlogWrites: bytes.optional(),
  lastBookmarkTimestamp: timestamp.optional(),
  bookmarkIntervalSeconds: seconds.default(DEFAULT_BOOKMARK_INTERVAL_SECONDS),
  syncProgressRatio: ratio.default(1),
  syncEtaSeconds: seconds.default(0),
  resyncRequired: z.boolean().default(false),
  lastTestFailoverTimestamp: timestamp.optional(),
  volumes: z.array(pushVolume).max(256).default([]),
});

export const pushLink = z.strictObject({
  timestamp,
  tenant: name,
  site: name,
  link: name,
  state: z.enum(["up", "connecting", "down"]),
  wireBytesTotal: counter,
  rawBytesTotal: counter,
  limitBytesPerSecond: bytes.default(0).describe("0 = unlimited"),
  rttSeconds: seconds.optional(),
  reconnectsTotal: counter.optional(),
  authFailuresTotal: counter.optional(),
});

/** A journal belongs to a group of the same source, sent in this batch or an earlier one. */
export const pushJournal = z.strictObject({
  timestamp,
  tenant: name,
  site: name,
  group: name,
  capacityBytes: bytes,
  usedBytes: bytes,
  undistributedBytes: bytes.default(0),
  oldestRecoverableTimestamp: timestamp,
  newestRecoverableTimestamp: timestamp,
  requiredWindowSeconds: seconds,
  achievedWindowSeconds: seconds,
  trimmedBytesByTime: counter.default(0),
  trimmedBytesBySpace: counter.default(0),
  storeCapacityBytes: bytes.default(0),
});

export const pushBatch = z.strictObject({
  timestamp: timestamp.describe("when the client assembled the batch"),
  groups: z.array(pushGroup).max(1000).default([]),
  links: z.array(pushLink).max(1000).default([]),
  journals: z.array(pushJournal).max(1000).default([]),
});

export type PushBatch = z.output<typeof pushBatch>;
export type PushGroup = z.output<typeof pushGroup>;
export type PushLink = z.output<typeof pushLink>;
export type PushJournal = z.output<typeof pushJournal>;

/** The published JSON Schema of a batch, as a client writes it (defaults make fields optional). */
export function pushBatchJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(pushBatch, { io: "input", target: "draft-2020-12" }) as Record<string, unknown>;
}
