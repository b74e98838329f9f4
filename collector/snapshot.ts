/**
 * The collector's output: one immutable, normalized view of everything every source reported,
 * with the derived figures computed. The exporter, the live feed, alerts, dashboards and reports
 * read only this; a new object replaces it whole on every update, nothing mutates it.
 */
import type { BacklogLocation, GroupState, LinkState, SourceKind } from "../model/entities.ts";
import type { GroupSample, InterfaceSample, JournalSample, LinkSample, VolumeSample } from "./model.ts";

/** Labels that place a group, a volume or a journal (model/metrics.ts ENTITY_LABELS). */
export interface GroupPlace {
  source: string;
  tenant: string;
  site: string;
  group: string;
}

export interface VolumeView extends GroupPlace {
  volume: string;
  raw: Readonly<VolumeSample>;
  /** Monotonic counters: source counter resets are folded in (the source's value + what it lost). */
  /** Absent when the source does not count them (the recovery site does not see clients' writes). */
  writtenBytesTotal?: number;
  writeOpsTotal?: number;
  trimmedBytesTotal?: number;
  changeRateBytesPerSecond?: number;
  /** As observed at observedTimestamp; the figure at a later instant is derive/rpo.ts rpoAt. Absent when not measured. */
  rpoSeconds?: number;
  /** Source time the volume's figures were observed. */
  observedTimestamp: number;
}

export interface DrainForecast {
  /** Bytes per second the recovery site makes durable: change rate − d(backlog)/dt. */
  drainRateBytesPerSecond: number;
  /** Seconds until the backlog is gone at the current net drain rate; +Inf when not draining. */
  etaSeconds: number;
  /** True when the backlog is shrinking (or empty) so etaSeconds is a real estimate. */
  etaValid: boolean;
  /** RPO + ETA > target, or a backlog that is not draining. */
  rpoAtRisk: boolean;
}

/**
 * The drain forecast is absent when the group's change rate is (no volume counts its writes), and
 * in a recovery site's view: it is the group's, from the production site's RPO (derive/rpo.ts isGroupRpo).
 */
export interface GroupDerived extends Partial<DrainForecast> {
  /** Maximum of the group's own RPO and its volumes' RPO, as observed at observedTimestamp. */
  rpoSeconds: number;
  /** Source time the group's figures were observed. */
  observedTimestamp: number;
  rpoTargetRatio: number;
  /** Reported, or derived from the RPO: observation time − RPO. */
  recoveryPointTimestamp: number;
  /** Sum over the volumes that count their writes; absent when none does. */
  changeRateBytesPerSecond?: number;
  backlogBytes: number;
  /** Where the backlog mostly sits (domain.md §9.1); `none` without backlog. */
  bottleneck: BacklogLocation | "none";
  /** Whether any of the source's links at the group's site is up; absent when it reports none there. */
  linksUp?: boolean;
  /**
   * The state measured (raw.state), `error` for an `active` group whose site's links are all down
   * (derive/group-state.ts), or `unknown` while the source is stale (derive/staleness.ts).
   */
  state: GroupState;
}

export interface GroupView extends GroupPlace {
  raw: Readonly<Omit<GroupSample, "volumes" | "journal">>;
  derived: GroupDerived;
}

export interface JournalDerived {
  utilizationRatio: number;
  /** Achieved protection window divided by the required one; 1 when nothing is required. */
  windowRatio: number;
  /** Bytes per second the journal grows (negative while it shrinks). */
  fillRateBytesPerSecond: number;
  /** Seconds until full at the current fill rate; +Inf when not filling. */
  fullEtaSeconds: number;
  /** Bytes one full protection window takes at the present fill (derive/journal.ts); absent at ratio 0. */
  fullWindowBytes?: number;
  /** The highest fullWindowBytes over the last day (as the rule's max_over_time at a 1-minute step). */
  fullWindowCycleMaxBytes?: number;
  /** fullWindowBytes a day earlier (as the rule's `offset 1d`); absent in a journal's first day. */
  fullWindowCycleAgoBytes?: number;
  /** Monotonic trim counters (resets folded in). */
  trimmedBytesByTime: number;
  trimmedBytesBySpace: number;
  corruptRecordsTotal?: number;
}

export interface JournalView extends GroupPlace {
  raw: Readonly<JournalSample>;
  derived: JournalDerived;
}

export interface LinkDerived {
  state: LinkState;
  wireBytesTotal: number;
  rawBytesTotal: number;
  reconnectsTotal?: number;
  authFailuresTotal?: number;
  throughputBytesPerSecond: number;
  utilizationRatio: number;
  compressionRatio: number;
}

export interface LinkView {
  source: string;
  tenant: string;
  site: string;
  link: string;
  raw: Readonly<LinkSample>;
  derived: LinkDerived;
}

export interface InterfaceView {
  source: string;
  tenant: string;
  site: string;
  link: string;
  interface: string;
  raw: Readonly<InterfaceSample>;
  receiveBytesTotal: number;
  transmitBytesTotal: number;
  receiveUtilizationRatio: number;
  transmitUtilizationRatio: number;
}

export interface SourceHealth {
  source: string;
  kind: SourceKind;
  up: boolean;
  /** Collector time (Unix s) of the last successful collection; 0 when never. */
  lastSuccessTimestamp: number;
  /** Source time of the newest data held; 0 when none. Data age = now − this (derive/staleness.ts). */
  dataTimestamp: number;
  /** Data older than this (one heartbeat interval plus the source's timeout) is stale. */
  staleAfterSeconds: number;
  lastCollectDurationSeconds: number;
  samplesIngestedTotal: number;
  errorsTotal: number;
  lastError: string | null;
}

export interface ModelSnapshot {
  /** Increases by one with every new snapshot; the live feed's deltas name the seq they apply to. */
  seq: number;
  /** Collector time (Unix s) the snapshot was built. */
  timestamp: number;
  groups: readonly GroupView[];
  volumes: readonly VolumeView[];
  journals: readonly JournalView[];
  links: readonly LinkView[];
  interfaces: readonly InterfaceView[];
  sources: readonly SourceHealth[];
}

export const EMPTY_SNAPSHOT: ModelSnapshot = Object.freeze({
  seq: 0,
  timestamp: 0,
  groups: [],
  volumes: [],
  journals: [],
  links: [],
  interfaces: [],
  sources: [],
});
