/**
 * The in-process form of every catalogue alert, for the built-in evaluator: the same condition as
 * the PromQL expression, computed on the collector's ModelSnapshot, with the same labels. Range
 * functions become the collector's derived figures (rates, fill rate) or the evaluator's memory.
 * A Record over AlertKey: an alert added to the catalogue without a check fails the type check.
 */
import { isGroupRpo } from "../collector/derive/rpo.ts";
import { dataAgeSeconds } from "../collector/derive/staleness.ts";
import type { ModelSnapshot } from "../collector/snapshot.ts";
import { parseDuration } from "../lib/units.ts";
import { type AlertKey, CORRUPT_WINDOW } from "../model/alerts.ts";
import type { GroupState } from "../model/entities.ts";

export interface Instance {
  labels: Record<string, string>;
  value: number;
  threshold: number;
}

/** rpowatch's own figures that are not in the collector's snapshot. */
export interface SelfFigures {
  /** The exporter's host:port, the `instance` Prometheus scrapes it as (job `rpowatch`). */
  instance: string;
  /** The history buffer's fill; absent while no buffer is open (history off, or not started yet). */
  historyBuffer?: { bufferedPoints: number; capacityPoints: number };
}

export interface CheckContext {
  snapshot: ModelSnapshot;
  /** Absent where the evaluator runs without them (they come from the stack that runs it). */
  self?: SelfFigures;
  /** Unix seconds of this evaluation. */
  now: number;
  /** Seconds `value` has stayed unchanged for `key` (0 on first sight or after a change). */
  unchangedFor(key: string, value: number): number;
  /** How much the counter `total` of `key` rose within the last `windowSeconds` (0 on first sight). */
  increaseWithin(key: string, total: number, windowSeconds: number): number;
}

export type Check = (ctx: CheckContext) => Instance[];

const DAY = 86400;
const SYNCING = new Set(["initializing", "resyncing"]);
const groupLabels = (g: { tenant: string; site: string; group: string; source: string }) => ({
  tenant: g.tenant,
  site: g.site,
  group: g.group,
  source: g.source,
});

function perGroup(
  ctx: CheckContext,
  pick: (g: ModelSnapshot["groups"][number]) => { value: number; threshold: number } | null,
): Instance[] {
  return ctx.snapshot.groups.flatMap((g) => {
    const r = pick(g);
    return r ? [{ labels: groupLabels(g), ...r }] : [];
  });
}

function windowCheck(limit: number): Check {
  return (ctx) => {
    const syncing = new Set(
      ctx.snapshot.groups.filter((g) => SYNCING.has(g.derived.state)).map((g) => JSON.stringify(groupLabels(g))),
    );
    return ctx.snapshot.journals
      .filter((j) => j.derived.windowRatio < limit && !syncing.has(JSON.stringify(groupLabels(j))))
      .map((j) => ({ labels: groupLabels(j), value: j.derived.windowRatio, threshold: limit }));
  };
}

/** Groups in one state, labelled with it as the state-set series is. */
const inState =
  (state: GroupState): Check =>
  (ctx) =>
    ctx.snapshot.groups
      .filter((g) => g.derived.state === state)
      .map((g) => ({ labels: { ...groupLabels(g), state }, value: 1, threshold: 1 }));

const rpoAbove =
  (factor: number): Check =>
  (ctx) =>
    perGroup(ctx, (g) => {
      const threshold = factor * g.raw.rpoTargetSeconds;
      return isGroupRpo(g) && g.derived.rpoSeconds > threshold ? { value: g.derived.rpoSeconds, threshold } : null;
    });

/** null: the alert is about Prometheus' view of rpowatch and cannot be evaluated from inside it. */
export const CHECKS: Record<AlertKey, Check | null> = {
  rpoThresholdExceeded: rpoAbove(1),
  rpoApproaching: rpoAbove(0.8),
  rpoAtRisk: (ctx) => perGroup(ctx, (g) => (g.derived.rpoAtRisk ? { value: 1, threshold: 1 } : null)),
  replicationStalled: (ctx) =>
    perGroup(ctx, (g) =>
      g.derived.backlogBytes > 0 &&
      g.derived.drainRateBytesPerSecond !== undefined &&
      g.derived.drainRateBytesPerSecond <= 0
        ? { value: g.derived.backlogBytes, threshold: 0 }
        : null,
    ),
  backlogGrowing: (ctx) =>
    perGroup(ctx, (g) => {
      const { changeRateBytesPerSecond: change, drainRateBytesPerSecond: drain } = g.derived;
      if (change === undefined || drain === undefined) return null;
      const net = change - drain;
      return net > 0 ? { value: net, threshold: 0 } : null;
    }),
  linkDown: (ctx) =>
    ctx.snapshot.links
      .filter((l) => l.derived.state !== "up")
      .map((l) => ({
        labels: { tenant: l.tenant, site: l.site, link: l.link, source: l.source },
        value: 0,
        threshold: 1,
      })),
  bandwidthSaturated: (ctx) =>
    ctx.snapshot.links
      .filter((l) => l.derived.utilizationRatio > 0.9)
      .map((l) => ({
        labels: { tenant: l.tenant, site: l.site, link: l.link, source: l.source },
        value: l.derived.utilizationRatio,
        threshold: 0.9,
      })),
  // As the rule (model/alerts.ts JOURNAL_CYCLE_SECONDS): the last day's highest full window plus
  // its growth since the same time the day before, against capacity; silent in a journal's first day.
  journalFillingUp: (ctx) =>
    ctx.snapshot.journals.flatMap((j) => {
      const { fullWindowBytes: full, fullWindowCycleMaxBytes: max, fullWindowCycleAgoBytes: ago } = j.derived;
      if (full === undefined || max === undefined || ago === undefined) return [];
      const predicted = max + full - ago;
      const capacity = j.raw.capacityBytes;
      return predicted > capacity ? [{ labels: groupLabels(j), value: predicted, threshold: capacity }] : [];
    }),
  protectionWindowShort: windowCheck(0.85),
  protectionWindowCritical: windowCheck(0.75),
  sourceBitmapMode: inState("bitmap"),
  resyncRequired: (ctx) => perGroup(ctx, (g) => (g.raw.resyncRequired ? { value: 1, threshold: 1 } : null)),
  initialSyncStalled: (ctx) =>
    perGroup(ctx, (g) => {
      const progress = g.raw.syncProgressRatio;
      const key = JSON.stringify(groupLabels(g));
      const still = ctx.unchangedFor(key, progress);
      return SYNCING.has(g.derived.state) && still >= 30 * 60 ? { value: progress, threshold: 0 } : null;
    }),
  consistencyPointStale: (ctx) =>
    perGroup(ctx, (g) => {
      const interval = g.raw.bookmarkIntervalSeconds;
      const age = ctx.now - (g.raw.lastBookmarkTimestamp ?? 0);
      return interval > 0 && age > 2 * interval ? { value: age, threshold: 2 * interval } : null;
    }),
  sourceDown: (ctx) =>
    ctx.snapshot.sources
      .filter((s) => !s.up)
      .map((s) => ({ labels: { source: s.source, kind: s.kind }, value: 0, threshold: 1 })),
  sourceDataStale: (ctx) =>
    ctx.snapshot.sources.flatMap((s) => {
      const age = dataAgeSeconds(s.dataTimestamp, ctx.now);
      // A source that never delivered is SourceDown's business; +Inf is no value to print.
      return age > 30 && Number.isFinite(age)
        ? [{ labels: { source: s.source, kind: s.kind }, value: age, threshold: 30 }]
        : [];
    }),
  collectorTargetAbsent: null,
  historyBufferFilling: (ctx) => {
    const buffer = ctx.self?.historyBuffer;
    if (!buffer || buffer.capacityPoints <= 0) return [];
    const ratio = buffer.bufferedPoints / buffer.capacityPoints;
    const labels = { job: "rpowatch", instance: ctx.self!.instance };
    return ratio > 0.8 ? [{ labels, value: ratio, threshold: 0.8 }] : [];
  },
  journalOverAllocated: (ctx) => {
    const sites = new Map<string, { labels: Record<string, string>; allotted: number; store: number }>();
    for (const j of ctx.snapshot.journals) {
      const labels = { tenant: j.tenant, site: j.site, source: j.source };
      const key = JSON.stringify(labels);
      const s = sites.get(key) ?? { labels, allotted: 0, store: 0 };
      s.allotted += j.raw.capacityBytes;
      s.store = Math.max(s.store, j.raw.storeCapacityBytes);
      sites.set(key, s);
    }
    return [...sites.values()]
      .filter((s) => s.allotted > s.store)
      .map((s) => ({ labels: s.labels, value: s.allotted, threshold: s.store }));
  },
  groupStateUnknown: inState("unknown"),
  drTestOverdue: (ctx) =>
    ctx.snapshot.groups.flatMap((g) => {
      // Absent when no drill is on record; typed wide so the check holds whichever way the sample types it.
      const lastTest: number | undefined = g.raw.lastTestFailoverTimestamp;
      if (lastTest === undefined) {
        return g.derived.state === "unknown"
          ? []
          : [
              {
                labels: { ...groupLabels(g), last_test: "never" },
                value: Number.POSITIVE_INFINITY,
                threshold: 31 * DAY,
              },
            ];
      }
      const age = ctx.now - lastTest;
      return age > 31 * DAY ? [{ labels: groupLabels(g), value: age, threshold: 31 * DAY }] : [];
    }),
  journalCorruptRecords: (ctx) =>
    ctx.snapshot.journals.flatMap((j) => {
      const total = j.derived.corruptRecordsTotal;
      if (total === undefined) return [];
      const labels = groupLabels(j);
      const rise = ctx.increaseWithin(JSON.stringify(labels), total, parseDuration(CORRUPT_WINDOW));
      return rise > 0 ? [{ labels, value: rise, threshold: 0 }] : [];
    }),
  testFailoverScratchNearlyFull: (ctx) =>
    perGroup(ctx, (g) => {
      const used = g.raw.recovery?.scratchUsedBytes;
      const capacity = g.raw.recovery?.scratchCapacityBytes;
      if (used === undefined || !capacity) return null;
      return used / capacity > 0.8 ? { value: used / capacity, threshold: 0.8 } : null;
    }),
  failedOverUnprotected: (ctx) =>
    ctx.snapshot.groups
      .filter((g) => g.raw.failover === "promoted")
      .map((g) => ({ labels: { ...groupLabels(g), phase: "promoted" }, value: 1, threshold: 1 })),
};
