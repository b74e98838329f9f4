/**
 * How each catalogue metric reads its samples from a ModelSnapshot. Keyed by MetricKey, so a
 * metric added to model/metrics.ts without an extractor here fails the type check. Label values
 * are listed in the order of labelNames(metric): entity labels first, then extra labels.
 */
import { VERSION } from "../cli/version.ts";
import { dataAgeSeconds } from "../collector/derive/staleness.ts";
import { stateSet } from "../collector/derive/state.ts";
import type {
  GroupPlace,
  GroupView,
  InterfaceView,
  JournalView,
  LinkView,
  ModelSnapshot,
  SourceHealth,
  VolumeView,
} from "../collector/snapshot.ts";
import { BACKLOG_LOCATIONS, GROUP_STATES, LINK_STATES } from "../model/entities.ts";
import type { MetricKey } from "../model/metrics.ts";

/** Receives one sample: label values in catalogue order, and the value. */
export type Emit = (labels: readonly string[], value: number) => void;
/** Emits a metric's samples from a snapshot (a callback, not a generator: this runs per series per scrape). */
export type Extractor = (snapshot: ModelSnapshot, now: number, emit: Emit) => void;

/**
 * One label array per entity object, shared by all of its families: the exposition renders each
 * array's label text once per snapshot instead of once per series (10,000 volumes × 6 families).
 */
function memo<T extends object>(labels: (item: T) => string[]): (item: T) => string[] {
  const cache = new WeakMap<T, string[]>();
  return (item) => {
    let values = cache.get(item);
    if (!values) {
      values = labels(item);
      cache.set(item, values);
    }
    return values;
  };
}
const groupLabels = memo((g: GroupPlace) => [g.tenant, g.site, g.group, g.source]);
const volumeLabels = memo((v: VolumeView) => [v.tenant, v.site, v.group, v.volume, v.source]);
const linkLabels = memo((l: LinkView) => [l.tenant, l.site, l.link, l.source]);
const interfaceLabels = memo((i: InterfaceView) => [i.tenant, i.site, i.link, i.interface, i.source]);
const sourceLabels = memo((s: SourceHealth) => [s.source, s.kind]);
const bool = (b: boolean): number => (b ? 1 : 0);

function perVolume(s: ModelSnapshot, emit: Emit, value: (v: VolumeView) => number): void {
  for (const v of s.volumes) emit(volumeLabels(v), value(v));
}
function perGroup(s: ModelSnapshot, emit: Emit, value: (g: GroupView) => number): void {
  for (const g of s.groups) emit(groupLabels(g), value(g));
}
function perJournal(s: ModelSnapshot, emit: Emit, value: (j: JournalView) => number): void {
  for (const j of s.journals) emit(groupLabels(j), value(j));
}
function perLink(s: ModelSnapshot, emit: Emit, value: (l: LinkView) => number): void {
  for (const l of s.links) emit(linkLabels(l), value(l));
}
function perInterface(s: ModelSnapshot, emit: Emit, value: (i: InterfaceView) => number): void {
  for (const i of s.interfaces) emit(interfaceLabels(i), value(i));
}
function perSource(s: ModelSnapshot, emit: Emit, value: (h: SourceHealth) => number): void {
  for (const h of s.sources) emit(sourceLabels(h), value(h));
}
/** An enumeration as a state set: one series per value, extra label last. */
function enumSet<T, S extends string>(
  items: Iterable<T>,
  emit: Emit,
  labels: (item: T) => string[],
  states: readonly S[],
  current: (item: T) => S,
): void {
  for (const item of items) {
    const base = labels(item);
    for (const [state, value] of stateSet(states, current(item))) emit([...base, state], value);
  }
}

/** Metrics whose value depends on the scrape time, not only on the snapshot: never served from a cache. */
export const TIME_DEPENDENT: ReadonlySet<MetricKey> = new Set<MetricKey>(["sourceDataAge"]);

export const extractors: Record<MetricKey, Extractor> = {
  volumeSize: (s, _, emit) => perVolume(s, emit, (v) => v.raw.sizeBytes),
  volumeWrittenBytes: (s, _, emit) => perVolume(s, emit, (v) => v.writtenBytesTotal),
  volumeWriteOps: (s, _, emit) => perVolume(s, emit, (v) => v.writeOpsTotal),
  volumeTrimmedBytes: (s, _, emit) => perVolume(s, emit, (v) => v.trimmedBytesTotal),
  volumeChangeRate: (s, _, emit) => perVolume(s, emit, (v) => v.changeRateBytesPerSecond),
  volumeRpo: (s, _, emit) => perVolume(s, emit, (v) => v.rpoSeconds),

  groupInfo(s, _, emit) {
    for (const g of s.groups) emit([...groupLabels(g), g.raw.mode, g.raw.peerSite], 1);
  },
  groupState: (s, _, emit) => enumSet(s.groups, emit, groupLabels, GROUP_STATES, (g) => g.derived.state),
  groupRpo: (s, _, emit) => perGroup(s, emit, (g) => g.derived.rpoSeconds),
  groupRpoTarget: (s, _, emit) => perGroup(s, emit, (g) => g.raw.rpoTargetSeconds),
  groupRpoTargetRatio: (s, _, emit) => perGroup(s, emit, (g) => g.derived.rpoTargetRatio),
  groupRecoveryPoint: (s, _, emit) => perGroup(s, emit, (g) => g.derived.recoveryPointTimestamp),
  groupBacklogBytes(s, _, emit) {
    for (const g of s.groups) {
      for (const location of BACKLOG_LOCATIONS) emit([...groupLabels(g), location], g.raw.backlogBytes[location]);
    }
  },
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
  journalTrimmedBytes(s, _, emit) {
    for (const j of s.journals) {
      emit([...groupLabels(j), "time"], j.derived.trimmedBytesByTime);
      emit([...groupLabels(j), "space"], j.derived.trimmedBytesBySpace);
    }
  },
  journalStoreCapacity: (s, _, emit) => perJournal(s, emit, (j) => j.raw.storeCapacityBytes),

  linkState: (s, _, emit) => enumSet(s.links, emit, linkLabels, LINK_STATES, (l) => l.derived.state),
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
  interfaceUtilization(s, _, emit) {
    for (const i of s.interfaces) {
      emit([...interfaceLabels(i), "receive"], i.receiveUtilizationRatio);
      emit([...interfaceLabels(i), "transmit"], i.transmitUtilizationRatio);
    }
  },

  sourceUp: (s, _, emit) => perSource(s, emit, (h) => bool(h.up)),
  sourceCollectDuration: (s, _, emit) => perSource(s, emit, (h) => h.lastCollectDurationSeconds),
  sourceLastSuccess: (s, _, emit) => perSource(s, emit, (h) => h.lastSuccessTimestamp),
  sourceDataAge: (s, now, emit) => perSource(s, emit, (h) => dataAgeSeconds(h.dataTimestamp, now)),
  sourceSamples: (s, _, emit) => perSource(s, emit, (h) => h.samplesIngestedTotal),
  sourceErrors: (s, _, emit) => perSource(s, emit, (h) => h.errorsTotal),

  // Notifications are counted by the alerts engineer's notifier, which registers its own values.
  notifications: () => {},
  buildInfo: (_s, _, emit) => emit([VERSION], 1),
};
