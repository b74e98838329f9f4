/**
 * The series of a ModelSnapshot: how each catalogue metric reads its samples from it. Keyed by
 * MetricKey, so a metric added to model/metrics.ts without an extractor here fails the type check.
 * Label values are listed in the order of labelNames(metric): entity labels first, then extra
 * labels. The exporter renders these and the history writer stores them (`seriesSamples`), so both
 * read the same series.
 */

import { VERSION } from "../lib/version.ts";
import { BACKLOG_LOCATIONS, FAILOVER_PHASES, GROUP_STATES, LINK_STATES } from "../model/entities.ts";
import { labelNames, type MetricKey, metrics } from "../model/metrics.ts";
import { groupStateShown } from "./derive/group-state.ts";
import { isGroupRpo, rpoAt, rpoTargetRatio } from "./derive/rpo.ts";
import { dataAgeSeconds, staleSources } from "./derive/staleness.ts";
import { stateSet } from "./derive/state.ts";
import type {
  GroupPlace,
  GroupView,
  InterfaceView,
  JournalView,
  LinkView,
  ModelSnapshot,
  SourceHealth,
  VolumeView,
} from "./snapshot.ts";

/** Receives one sample: label values in catalogue order, and the value. */
export type Emit = (labels: readonly string[], value: number) => void;
/** Emits a metric's samples from a snapshot (a callback, not a generator: this runs per series per scrape). */
export type Extractor = (snapshot: ModelSnapshot, now: number, emit: Emit) => void;

/**
 * The label arrays of a snapshot's entity list, aligned with it: computed once per list (one
 * snapshot) for all of its families, and each entity's array kept from one snapshot to the next
 * while the entity exists. The exposition caches each array's label text by identity, so label
 * text is built once per entity, not once per series per update (10,000 volumes × 6 families).
 * Entities absent from a snapshot lose their array at the next one.
 */
function labelLists<T>(labels: (item: T) => string[]): (items: readonly T[]) => readonly string[][] {
  const perList = new WeakMap<readonly T[], string[][]>();
  let kept = new Map<string, string[]>();
  return (items) => {
    let lists = perList.get(items);
    if (!lists) {
      const next = new Map<string, string[]>();
      lists = items.map((item) => {
        const fresh = labels(item);
        // Length-prefixed parts: distinct label sets never share a key, whatever the values hold.
        const key = fresh.map((v) => `${v.length}:${v}`).join("");
        const values = kept.get(key) ?? fresh;
        next.set(key, values);
        return values;
      });
      kept = next;
      perList.set(items, lists);
    }
    return lists;
  };
}
const groupPlace = (g: GroupPlace) => [g.tenant, g.site, g.group, g.source];
const groupLabels = labelLists(groupPlace);
// Separate from groupLabels: each keeps the entities of its own list.
const journalLabels = labelLists(groupPlace);
const volumeLabels = labelLists((v: VolumeView) => [v.tenant, v.site, v.group, v.volume, v.source]);
const linkLabels = labelLists((l: LinkView) => [l.tenant, l.site, l.link, l.source]);
const interfaceLabels = labelLists((i: InterfaceView) => [i.tenant, i.site, i.link, i.interface, i.source]);
const sourceLabels = labelLists((h: SourceHealth) => [h.source, h.kind]);
/** A flag as 1 or 0; absent when the flag is. */
const bool = (b: boolean | undefined): number | undefined => (b === undefined ? undefined : b ? 1 : 0);
/** A figure the source does not know is absent from the exposition, never a 0 standing in for it. */
type Value = number | undefined;

/** Calls `each` with every item of an entity list and its label array. */
function labelled<T>(
  items: readonly T[],
  labels: (items: readonly T[]) => readonly string[][],
  each: (item: T, labels: readonly string[]) => void,
): void {
  const lists = labels(items);
  for (let i = 0; i < items.length; i++) each(items[i]!, lists[i]!);
}
/** Emits each item's value; an item whose value is absent has no sample. */
function each<T>(
  items: readonly T[],
  labels: (items: readonly T[]) => readonly string[][],
  emit: Emit,
  value: (item: T) => Value,
): void {
  labelled(items, labels, (item, l) => {
    const v = value(item);
    if (v !== undefined) emit(l, v);
  });
}
const perVolume = (s: ModelSnapshot, emit: Emit, value: (v: VolumeView) => Value) =>
  each(s.volumes, volumeLabels, emit, value);
const perGroup = (s: ModelSnapshot, emit: Emit, value: (g: GroupView) => Value) =>
  each(s.groups, groupLabels, emit, value);
const perJournal = (s: ModelSnapshot, emit: Emit, value: (j: JournalView) => Value) =>
  each(s.journals, journalLabels, emit, value);
const perLink = (s: ModelSnapshot, emit: Emit, value: (l: LinkView) => Value) => each(s.links, linkLabels, emit, value);
const perInterface = (s: ModelSnapshot, emit: Emit, value: (i: InterfaceView) => Value) =>
  each(s.interfaces, interfaceLabels, emit, value);
const perSource = (s: ModelSnapshot, emit: Emit, value: (h: SourceHealth) => Value) =>
  each(s.sources, sourceLabels, emit, value);
/** An enumeration as a state set: one series per value, extra label last. */
function enumSet<T, S extends string>(
  items: readonly T[],
  emit: Emit,
  labels: (items: readonly T[]) => readonly string[][],
  states: readonly S[],
  current: (item: T) => S,
): void {
  labelled(items, labels, (item, base) => {
    for (const [state, value] of stateSet(states, current(item))) emit([...base, state], value);
  });
}

/**
 * Metrics whose value depends on the scrape time, not only on the snapshot and on which sources
 * are stale (`staleKey`): never served from a cache.
 */
export const TIME_DEPENDENT: ReadonlySet<MetricKey> = new Set<MetricKey>([
  "sourceDataAge",
  "volumeRpo",
  "groupRpo",
  "groupRpoTargetRatio",
  "groupRecoveryPointAge",
]);

/**
 * What becomes of a figure once its source is stale (derive/staleness.ts): never healthier than
 * measured. `absent`: it cannot be bounded, so it is not exported rather than frozen. `kept`: a
 * configured fact, a last known value that can only err on the safe side (a recovery point or a
 * bookmark that is at least this old), or a figure about the source itself. `conservative`: its
 * extractor turns it conservative (RPO keeps growing, states read `unknown`).
 */
export type WhenStale = "absent" | "kept" | "conservative";

export const WHEN_STALE: Record<MetricKey, WhenStale> = {
  volumeSize: "kept",
  volumeWrittenBytes: "absent",
  volumeWriteOps: "absent",
  volumeTrimmedBytes: "absent",
  volumeChangeRate: "absent",
  volumeRpo: "conservative",

  groupInfo: "kept",
  groupState: "conservative",
  groupRpo: "conservative",
  groupRpoTarget: "kept",
  groupRpoTargetRatio: "conservative",
  groupRecoveryPoint: "kept",
  groupRecoveryPointAge: "conservative",
  groupBacklogBytes: "absent",
  groupBacklogWrites: "absent",
  groupChangeRate: "absent",
  groupDrainRate: "absent",
  groupDrainEta: "absent",
  groupDrainEtaValid: "absent",
  groupRpoAtRisk: "absent",
  groupBottleneck: "absent",
  groupLastBookmark: "kept",
  groupBookmarkInterval: "kept",
  groupSyncProgress: "absent",
  groupSyncEta: "absent",
  groupResyncRequired: "absent",
  groupLastTestFailover: "kept",
  groupLastDrillRto: "kept",
  groupImageAccess: "absent",
  groupFailover: "absent",
  groupScratchUsed: "absent",
  groupScratchCapacity: "absent",

  journalCapacity: "kept",
  journalUsed: "absent",
  journalUtilization: "absent",
  journalPending: "absent",
  journalOldest: "absent",
  journalNewest: "kept",
  journalWindow: "absent",
  journalWindowTarget: "kept",
  journalWindowRatio: "absent",
  journalFullEta: "absent",
  journalTrimmedBytes: "absent",
  journalCorruptRecords: "absent",
  journalStoreCapacity: "kept",

  linkState: "conservative",
  linkUp: "absent",
  linkWireBytes: "absent",
  linkRawBytes: "absent",
  linkThroughput: "absent",
  linkLimit: "kept",
  linkUtilization: "absent",
  linkCompressionRatio: "absent",
  linkRtt: "absent",
  linkReconnects: "absent",
  linkAuthFailures: "absent",

  interfaceInBytes: "absent",
  interfaceOutBytes: "absent",
  interfaceSpeed: "kept",
  interfaceUtilization: "absent",

  sourceUp: "kept",
  sourceCollectDuration: "kept",
  sourceLastSuccess: "kept",
  sourceDataAge: "kept",
  sourceSamples: "kept",
  sourceErrors: "kept",

  pushRefusals: "kept",
  notifications: "kept",
  alertmanagerWebhookRefusals: "kept",
  historyBufferedPoints: "kept",
  historyBufferCapacity: "kept",
  historyWrittenPoints: "kept",
  historyWriteFailures: "kept",
  historyDroppedPoints: "kept",
  historyTierRecomputes: "kept",
  historyRetentionSurplus: "kept",
  reportRuns: "kept",
  buildInfo: "kept",
};

/** Which sources are stale at `now`, as a key: renderings of one snapshot differ only by it and by `now`. */
export function staleKey(snapshot: ModelSnapshot, now: number): string {
  return [...staleSources(snapshot.sources, now)].join(",");
}

/** The snapshot without the entities of stale sources; the snapshot itself while every source is fresh. */
const withoutStaleCache = new WeakMap<ModelSnapshot, { key: string; fresh: ModelSnapshot }>();
function withoutStale(s: ModelSnapshot, now: number): ModelSnapshot {
  const stale = staleSources(s.sources, now);
  if (stale.size === 0) return s;
  const key = [...stale].join(",");
  const held = withoutStaleCache.get(s);
  if (held?.key === key) return held.fresh;
  const keep = <T extends { source: string }>(items: readonly T[]) => items.filter((x) => !stale.has(x.source));
  const fresh: ModelSnapshot = {
    ...s,
    groups: keep(s.groups),
    volumes: keep(s.volumes),
    journals: keep(s.journals),
    links: keep(s.links),
    interfaces: keep(s.interfaces),
  };
  withoutStaleCache.set(s, { key, fresh });
  return fresh;
}

const rpoNow = (s: ModelSnapshot, now: number) => {
  const stale = staleSources(s.sources, now);
  return (source: string, observedAt: number, rpo: number) => rpoAt(rpo, observedAt, now, stale.has(source));
};
const staleAt = (s: ModelSnapshot, now: number) => {
  const stale = staleSources(s.sources, now);
  return (x: { source: string }) => stale.has(x.source);
};

const readers: Record<MetricKey, Extractor> = {
  volumeSize: (s, _, emit) => perVolume(s, emit, (v) => v.raw.sizeBytes),
  volumeWrittenBytes: (s, _, emit) => perVolume(s, emit, (v) => v.writtenBytesTotal),
  volumeWriteOps: (s, _, emit) => perVolume(s, emit, (v) => v.writeOpsTotal),
  volumeTrimmedBytes: (s, _, emit) => perVolume(s, emit, (v) => v.trimmedBytesTotal),
  volumeChangeRate: (s, _, emit) => perVolume(s, emit, (v) => v.changeRateBytesPerSecond),
  volumeRpo: (s, now, emit) => {
    const rpo = rpoNow(s, now);
    perVolume(s, emit, (v) =>
      v.rpoSeconds === undefined ? undefined : rpo(v.source, v.observedTimestamp, v.rpoSeconds),
    );
  },

  groupInfo: (s, _, emit) => labelled(s.groups, groupLabels, (g, l) => emit([...l, g.raw.mode, g.raw.peerSite], 1)),
  groupState: (s, now, emit) => {
    const stale = staleAt(s, now);
    enumSet(s.groups, emit, groupLabels, GROUP_STATES, (g) =>
      stale(g) ? "unknown" : groupStateShown(g.raw.state, g.derived.linksUp),
    );
  },
  groupRpo: (s, now, emit) => {
    const rpo = rpoNow(s, now);
    perGroup(s, emit, (g) =>
      isGroupRpo(g) ? rpo(g.source, g.derived.observedTimestamp, g.derived.rpoSeconds) : undefined,
    );
  },
  groupRpoTarget: (s, _, emit) => perGroup(s, emit, (g) => g.raw.rpoTargetSeconds),
  groupRpoTargetRatio: (s, now, emit) => {
    const rpo = rpoNow(s, now);
    perGroup(s, emit, (g) =>
      isGroupRpo(g)
        ? rpoTargetRatio(rpo(g.source, g.derived.observedTimestamp, g.derived.rpoSeconds), g.raw.rpoTargetSeconds)
        : undefined,
    );
  },
  groupRecoveryPoint: (s, _, emit) => perGroup(s, emit, (g) => g.derived.recoveryPointTimestamp),
  groupRecoveryPointAge: (s, now, emit) => {
    const rpo = rpoNow(s, now);
    perGroup(s, emit, (g) =>
      isGroupRpo(g) ? undefined : rpo(g.source, g.derived.observedTimestamp, g.derived.rpoSeconds),
    );
  },
  groupBacklogBytes: (s, _, emit) =>
    labelled(s.groups, groupLabels, (g, l) => {
      for (const location of BACKLOG_LOCATIONS) emit([...l, location], g.raw.backlogBytes[location]);
    }),
  groupBacklogWrites: (s, _, emit) => perGroup(s, emit, (g) => g.raw.backlogWrites),
  groupChangeRate: (s, _, emit) => perGroup(s, emit, (g) => g.derived.changeRateBytesPerSecond),
  groupDrainRate: (s, _, emit) => perGroup(s, emit, (g) => g.derived.drainRateBytesPerSecond),
  groupDrainEta: (s, _, emit) => perGroup(s, emit, (g) => g.derived.etaSeconds),
  groupDrainEtaValid: (s, _, emit) => perGroup(s, emit, (g) => bool(g.derived.etaValid)),
  groupRpoAtRisk: (s, _, emit) => perGroup(s, emit, (g) => bool(g.derived.rpoAtRisk)),
  groupBottleneck: (s, _, emit) =>
    enumSet(s.groups, emit, groupLabels, ["none", ...BACKLOG_LOCATIONS], (g) => g.derived.bottleneck),
  groupLastBookmark: (s, _, emit) => perGroup(s, emit, (g) => g.raw.lastBookmarkTimestamp),
  groupBookmarkInterval: (s, _, emit) => perGroup(s, emit, (g) => g.raw.bookmarkIntervalSeconds),
  groupSyncProgress: (s, _, emit) => perGroup(s, emit, (g) => g.raw.syncProgressRatio),
  groupSyncEta: (s, _, emit) => perGroup(s, emit, (g) => g.raw.syncEtaSeconds),
  groupResyncRequired: (s, _, emit) => perGroup(s, emit, (g) => bool(g.raw.resyncRequired)),
  groupLastTestFailover: (s, _, emit) => perGroup(s, emit, (g) => g.raw.lastTestFailoverTimestamp),
  groupLastDrillRto: (s, _, emit) => perGroup(s, emit, (g) => g.raw.recovery?.lastDrillRtoSeconds),
  groupImageAccess: (s, _, emit) =>
    enumSet(
      s.groups.filter((g) => g.raw.recovery),
      emit,
      groupLabels,
      ["off", "read-only", "test-failover"],
      (g) => g.raw.recovery!.imageAccess,
    ),
  groupFailover: (s, _, emit) =>
    enumSet(
      s.groups.filter((g) => g.raw.failover),
      emit,
      groupLabels,
      FAILOVER_PHASES,
      (g) => g.raw.failover!,
    ),
  groupScratchUsed: (s, _, emit) => perGroup(s, emit, (g) => g.raw.recovery?.scratchUsedBytes),
  groupScratchCapacity: (s, _, emit) => perGroup(s, emit, (g) => g.raw.recovery?.scratchCapacityBytes),

  journalCapacity: (s, _, emit) => perJournal(s, emit, (j) => j.raw.capacityBytes),
  journalUsed: (s, _, emit) => perJournal(s, emit, (j) => j.raw.usedBytes),
  journalUtilization: (s, _, emit) => perJournal(s, emit, (j) => j.derived.utilizationRatio),
  journalPending: (s, _, emit) => perJournal(s, emit, (j) => j.raw.undistributedBytes),
  journalOldest: (s, _, emit) => perJournal(s, emit, (j) => j.raw.oldestRecoverableTimestamp),
  journalNewest: (s, _, emit) => perJournal(s, emit, (j) => j.raw.newestRecoverableTimestamp),
  journalWindow: (s, _, emit) => perJournal(s, emit, (j) => j.raw.achievedWindowSeconds),
  journalWindowTarget: (s, _, emit) => perJournal(s, emit, (j) => j.raw.requiredWindowSeconds),
  journalWindowRatio: (s, _, emit) => perJournal(s, emit, (j) => j.derived.windowRatio),
  journalFullEta: (s, _, emit) => perJournal(s, emit, (j) => j.derived.fullEtaSeconds),
  journalTrimmedBytes: (s, _, emit) =>
    labelled(s.journals, journalLabels, (j, l) => {
      emit([...l, "time"], j.derived.trimmedBytesByTime);
      emit([...l, "space"], j.derived.trimmedBytesBySpace);
    }),
  journalCorruptRecords: (s, _, emit) => perJournal(s, emit, (j) => j.derived.corruptRecordsTotal),
  journalStoreCapacity: (s, _, emit) => perJournal(s, emit, (j) => j.raw.storeCapacityBytes),

  linkState: (s, now, emit) => {
    const stale = staleAt(s, now);
    enumSet(s.links, emit, linkLabels, LINK_STATES, (l) => (stale(l) ? "unknown" : l.raw.state));
  },
  linkUp: (s, _, emit) => perLink(s, emit, (l) => bool(l.derived.state === "up")),
  linkWireBytes: (s, _, emit) => perLink(s, emit, (l) => l.derived.wireBytesTotal),
  linkRawBytes: (s, _, emit) => perLink(s, emit, (l) => l.derived.rawBytesTotal),
  linkThroughput: (s, _, emit) => perLink(s, emit, (l) => l.derived.throughputBytesPerSecond),
  linkLimit: (s, _, emit) => perLink(s, emit, (l) => l.raw.limitBytesPerSecond),
  linkUtilization: (s, _, emit) => perLink(s, emit, (l) => l.derived.utilizationRatio),
  linkCompressionRatio: (s, _, emit) => perLink(s, emit, (l) => l.derived.compressionRatio),
  linkRtt: (s, _, emit) => perLink(s, emit, (l) => l.raw.rttSeconds),
  linkReconnects: (s, _, emit) => perLink(s, emit, (l) => l.derived.reconnectsTotal),
  linkAuthFailures: (s, _, emit) => perLink(s, emit, (l) => l.derived.authFailuresTotal),

  interfaceInBytes: (s, _, emit) => perInterface(s, emit, (i) => i.receiveBytesTotal),
  interfaceOutBytes: (s, _, emit) => perInterface(s, emit, (i) => i.transmitBytesTotal),
  interfaceSpeed: (s, _, emit) => perInterface(s, emit, (i) => i.raw.speedBytesPerSecond),
  interfaceUtilization: (s, _, emit) =>
    labelled(s.interfaces, interfaceLabels, (i, l) => {
      emit([...l, "receive"], i.receiveUtilizationRatio);
      emit([...l, "transmit"], i.transmitUtilizationRatio);
    }),

  sourceUp: (s, _, emit) => perSource(s, emit, (h) => bool(h.up)),
  sourceCollectDuration: (s, _, emit) => perSource(s, emit, (h) => h.lastCollectDurationSeconds),
  sourceLastSuccess: (s, _, emit) => perSource(s, emit, (h) => h.lastSuccessTimestamp),
  sourceDataAge: (s, now, emit) => perSource(s, emit, (h) => dataAgeSeconds(h.dataTimestamp, now)),
  sourceSamples: (s, _, emit) => perSource(s, emit, (h) => h.samplesIngestedTotal),
  sourceErrors: (s, _, emit) => perSource(s, emit, (h) => h.errorsTotal),

  // Notifications are counted by the alerts engineer's notifier, which registers its own values.
  notifications: () => {},
  // Refusals that name no source are counted where they happen (the push registry, the webhook
  // router), which register their own values.
  pushRefusals: () => {},
  alertmanagerWebhookRefusals: () => {},
  // The history writer's own figures live in its stats (history/stats.ts), which registers them.
  historyBufferedPoints: () => {},
  historyBufferCapacity: () => {},
  historyWrittenPoints: () => {},
  historyWriteFailures: () => {},
  historyDroppedPoints: () => {},
  historyTierRecomputes: () => {},
  historyRetentionSurplus: () => {},
  // Counted by the report scheduler (reports/schedule/stats.ts), which registers its own values.
  reportRuns: () => {},
  buildInfo: (_s, _, emit) => emit([VERSION], 1),
};

const dropStale =
  (read: Extractor): Extractor =>
  (s, now, emit) =>
    read(withoutStale(s, now), now, emit);

export const extractors = Object.fromEntries(
  (Object.keys(readers) as MetricKey[]).map((key) => [
    key,
    WHEN_STALE[key] === "absent" ? dropStale(readers[key]) : readers[key],
  ]),
) as Record<MetricKey, Extractor>;

/** One sample of a catalogue metric: its name, its labels by name, its value. */
export interface SeriesSample {
  metric: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

/**
 * Every catalogue metric's samples from `snapshot` as rendered at `now` (Unix s), in catalogue
 * order: what a scrape at `now` would show, for writers that keep series (the history writer).
 */
export function* seriesSamples(snapshot: ModelSnapshot, now: number): Generator<SeriesSample> {
  for (const key of Object.keys(metrics) as MetricKey[]) {
    const def = metrics[key];
    const names = labelNames(def);
    const samples: SeriesSample[] = [];
    extractors[key](snapshot, now, (values, value) => {
      const labels: Record<string, string> = {};
      for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i]!;
      samples.push({ metric: def.name, labels, value });
    });
    yield* samples;
  }
}
