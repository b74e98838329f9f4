/**
 * The normalized model every source adapter produces: what a source observed at one moment,
 * placed in tenant → site → group → volume, plus links, journals and WAN interfaces.
 * Raw observations only: derived figures (rates, ratios, forecasts) are computed by the
 * collector from successive samples, never by adapters.
 */
import type { BacklogLocation, FailoverPhase, GroupState, LinkState } from "../model/entities.ts";

export interface VolumeSample {
  name: string;
  sizeBytes: number;
  /**
   * Monotonic counters as the source reports them; the collector folds resets into its own counters.
   * Every optional field is absent when the source does not measure it: never a 0 standing in for it.
   */
  writtenBytesTotal?: number;
  writeOpsTotal?: number;
  trimmedBytesTotal?: number;
  rpoSeconds?: number;
}

export interface JournalSample {
  capacityBytes: number;
  usedBytes: number;
  undistributedBytes: number;
  /** Absent while the journal holds no point. */
  oldestRecoverableTimestamp?: number;
  newestRecoverableTimestamp?: number;
  requiredWindowSeconds: number;
  achievedWindowSeconds: number;
  trimmedBytesByTime: number;
  trimmedBytesBySpace: number;
  storeCapacityBytes: number;
  /** Records whose checksum failed; counted, never applied. Absent when the source does not check. */
  corruptRecordsTotal?: number;
}

export interface GroupSample {
  /**
   * Source time this group was observed, for sources whose entities are observed at different
   * times (push); absent when it is the snapshot's timestamp.
   */
  observedTimestamp?: number;
  tenant: string;
  site: string;
  name: string;
  state: GroupState;
  mode: "async" | "sync";
  /** The other site of the replication pair, when known. */
  peerSite: string;
  /**
   * Which side of the pair reports this view; absent when the source does not say. Only a
   * production-side (or unsaid) rpoSeconds is the group's RPO: a recovery site can only estimate
   * the age of its newest recoverable point, exported as such (domain.md §1).
   */
  role?: "production" | "recovery";
  rpoSeconds: number;
  rpoTargetSeconds: number;
  /** Absent when the source does not report it (the collector then derives it from the RPO). */
  recoveryPointTimestamp?: number;
  backlogBytes: Record<BacklogLocation, number>;
  backlogWrites?: number;
  /** Absent while the group has no bookmark. */
  lastBookmarkTimestamp?: number;
  bookmarkIntervalSeconds: number;
  syncProgressRatio: number;
  syncEtaSeconds: number;
  resyncRequired: boolean;
  lastTestFailoverTimestamp?: number;
  /** Recovery-site operations (bundled engine); absent where the source does not say. */
  recovery?: GroupRecoverySample;
  /** The group's failover as this site sees it (bundled engine, both sites); absent where the source does not say. */
  failover?: FailoverPhase;
  volumes: VolumeSample[];
  journal: JournalSample | null;
}

export interface GroupRecoverySample {
  imageAccess: "off" | "read-only" | "test-failover";
  /** Test failover only. */
  scratchUsedBytes?: number;
  scratchCapacityBytes?: number;
  /** Absent when no drill's image came up. */
  lastDrillRtoSeconds?: number;
}

export interface LinkSample {
  tenant: string;
  site: string;
  name: string;
  state: LinkState;
  wireBytesTotal: number;
  rawBytesTotal: number;
  limitBytesPerSecond: number;
  rttSeconds?: number;
  reconnectsTotal?: number;
  authFailuresTotal?: number;
}

/** A WAN interface polled over SNMP (IF-MIB), attributed to a link. */
export interface InterfaceSample {
  tenant: string;
  site: string;
  link: string;
  name: string;
  receiveBytesTotal: number;
  transmitBytesTotal: number;
  speedBytesPerSecond: number;
}

/** Everything one source reported at one moment; it replaces that source's previous snapshot whole. */
export interface SourceSnapshot {
  /** Source time of the observation (Unix seconds): staleness is measured from it. */
  timestamp: number;
  groups: GroupSample[];
  links: LinkSample[];
  interfaces: InterfaceSample[];
}
