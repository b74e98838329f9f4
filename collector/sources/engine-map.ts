/**
 * Maps the engine's status contract (replication/status.ts) onto the collector's normalized model.
 * The tables below say, for every field of the contract, where it lands in the model or why it
 * does not: a status field added without an entry fails the type check instead of being dropped
 * on the way to /metrics (the journal's corrupt-record counter once was).
 */
import type { GroupStatus, JournalStatus, LinkStatus, SiteStatus, VolumeStatus } from "../../replication/status.ts";
import type { GroupSample, JournalSample, LinkSample, SourceSnapshot, VolumeSample } from "../model.ts";

/** A field the model does not take, with the reason. */
type Unmapped = `unmapped: ${string}`;

export const SITE_FIELDS = {
  site: "GroupSample.site, LinkSample.site",
  role: "unmapped: the site's default direction; each group reports its own (GROUP_FIELDS.direction)",
  timestamp: "SourceSnapshot.timestamp",
  startedAt: "unmapped: a restart shows in the counters the collector folds",
  version: "unmapped: the collector's own build is rpowatch_build_info",
  groups: "SourceSnapshot.groups",
  links: "SourceSnapshot.links",
} as const satisfies Record<keyof SiteStatus, string>;

export const GROUP_FIELDS = {
  name: "name",
  direction: "role",
  tenant: "tenant",
  state: "state",
  fault: "unmapped: a reason for logs and the control API, not a series (its state is error)",
  mode: "mode",
  rpoSeconds: "rpoSeconds",
  rpoTargetSeconds: "rpoTargetSeconds",
  headSeq: "unmapped: a position, not a figure; the backlog is reported by location",
  durableSeq: "unmapped: a position, not a figure; RPO is computed from it by the engine",
  appliedSeq: "unmapped: a position, not a figure; the recovery backlog is reported in bytes",
  backlog: "backlogBytes",
  recoveryPointTimestamp: "recoveryPointTimestamp",
  lastBookmark: "lastBookmarkTimestamp",
  bookmarkIntervalSeconds: "bookmarkIntervalSeconds",
  resyncRequired: "resyncRequired",
  sync: "syncProgressRatio",
  lastTestFailoverTimestamp: "lastTestFailoverTimestamp",
  volumes: "volumes",
  journal: "journal",
  recovery: "recovery",
  failover: "failover",
  reprotect: "unmapped: the group's direction, state and sync say it; the reversal's details are for the operator",
  failback: "unmapped: a drain of minutes shown to the operator; the group's backlog and state say it as series",
} as const satisfies Record<keyof GroupStatus, keyof GroupSample | Unmapped>;

export const VOLUME_FIELDS = {
  name: "name",
  sizeBytes: "sizeBytes",
  writtenBytesTotal: "writtenBytesTotal",
  writeOpsTotal: "writeOpsTotal",
  trimmedBytesTotal: "trimmedBytesTotal",
  rpoSeconds: "rpoSeconds",
} as const satisfies Record<keyof VolumeStatus, keyof VolumeSample | Unmapped>;

export const JOURNAL_FIELDS = {
  capacityBytes: "capacityBytes",
  usedBytes: "usedBytes",
  undistributedBytes: "undistributedBytes",
  oldestRecoverableTimestamp: "oldestRecoverableTimestamp",
  newestRecoverableTimestamp: "newestRecoverableTimestamp",
  requiredWindowSeconds: "requiredWindowSeconds",
  achievedWindowSeconds: "achievedWindowSeconds",
  trimmedBytesByTime: "trimmedBytesByTime",
  trimmedBytesBySpace: "trimmedBytesBySpace",
  storeCapacityBytes: "storeCapacityBytes",
  corruptRecordsTotal: "corruptRecordsTotal",
  pins: "unmapped: readers' pins are listed per reader in the engine's status; no series carries them yet",
} as const satisfies Record<keyof JournalStatus, keyof JournalSample | Unmapped>;

export const LINK_FIELDS = {
  name: "name",
  peerSite: "GroupSample.peerSite",
  state: "state",
  wireBytesTotal: "wireBytesTotal",
  rawBytesTotal: "rawBytesTotal",
  limitBytesPerSecond: "limitBytesPerSecond",
  rttSeconds: "rttSeconds",
  reconnectsTotal: "reconnectsTotal",
  authFailuresTotal: "authFailuresTotal",
  lastContactTimestamp: "unmapped: staleness is judged from the source's own data age",
} as const satisfies Record<keyof LinkStatus, keyof LinkSample | string>;

export function mapSiteStatus(status: SiteStatus, tenant: string): SourceSnapshot {
  // A group's peer is the far end of the link of its direction: the one this site ships on for a
  // production group (named `<site>->…`), the one it receives on for a recovery group.
  const outbound = `${status.site}->`;
  const peerOf = (direction: GroupStatus["direction"]) =>
    status.links.find((l) => l.name.startsWith(outbound) === (direction === "production"))?.peerSite ?? "";
  return {
    timestamp: status.timestamp,
    groups: status.groups.map((g) => mapGroup(g, status.site, peerOf(g.direction))),
    links: status.links.map((l) => mapLink(l, status.site, tenant)),
    interfaces: [],
  };
}

function mapGroup(g: GroupStatus, site: string, peerSite: string): GroupSample {
  const syncing = g.sync.kind !== "none";
  return {
    tenant: g.tenant,
    site,
    name: g.name,
    state: g.state,
    mode: g.mode,
    peerSite,
    role: g.direction,
    rpoSeconds: g.rpoSeconds,
    rpoTargetSeconds: g.rpoTargetSeconds,
    recoveryPointTimestamp: positive(g.recoveryPointTimestamp),
    backlogBytes: {
      production: g.backlog.productionBytes,
      in_flight: g.backlog.inFlightBytes,
      recovery: g.backlog.recoveryBytes,
    },
    backlogWrites: g.backlog.writes,
    lastBookmarkTimestamp: g.lastBookmark?.timestamp,
    bookmarkIntervalSeconds: g.bookmarkIntervalSeconds,
    syncProgressRatio: syncing ? g.sync.progressRatio : 1,
    syncEtaSeconds: syncing ? g.sync.etaSeconds : 0,
    resyncRequired: g.resyncRequired,
    lastTestFailoverTimestamp: g.lastTestFailoverTimestamp,
    ...(g.recovery && {
      recovery: {
        imageAccess: g.recovery.imageAccess.mode,
        scratchUsedBytes: g.recovery.imageAccess.scratchUsedBytes,
        scratchCapacityBytes: g.recovery.imageAccess.scratchCapacityBytes,
        lastDrillRtoSeconds: g.recovery.lastDrillRtoSeconds,
      },
    }),
    // The engine reports a failover block from the moment one begins, at both sites: none before.
    failover: g.failover?.phase ?? "none",
    volumes: g.volumes.map((v) => ({
      name: v.name,
      sizeBytes: v.sizeBytes,
      writtenBytesTotal: v.writtenBytesTotal,
      writeOpsTotal: v.writeOpsTotal,
      trimmedBytesTotal: v.trimmedBytesTotal,
      rpoSeconds: v.rpoSeconds,
    })),
    journal: g.journal && {
      capacityBytes: g.journal.capacityBytes,
      usedBytes: g.journal.usedBytes,
      undistributedBytes: g.journal.undistributedBytes,
      oldestRecoverableTimestamp: positive(g.journal.oldestRecoverableTimestamp),
      newestRecoverableTimestamp: positive(g.journal.newestRecoverableTimestamp),
      requiredWindowSeconds: g.journal.requiredWindowSeconds,
      achievedWindowSeconds: g.journal.achievedWindowSeconds,
      trimmedBytesByTime: g.journal.trimmedBytesByTime,
      trimmedBytesBySpace: g.journal.trimmedBytesBySpace,
      storeCapacityBytes: g.journal.storeCapacityBytes,
      corruptRecordsTotal: g.journal.corruptRecordsTotal,
    },
  };
}

function mapLink(l: LinkStatus, site: string, tenant: string): LinkSample {
  return {
    tenant,
    site,
    name: l.name,
    state: l.state,
    wireBytesTotal: l.wireBytesTotal,
    rawBytesTotal: l.rawBytesTotal,
    limitBytesPerSecond: l.limitBytesPerSecond,
    rttSeconds: l.rttSeconds,
    reconnectsTotal: l.reconnectsTotal,
    authFailuresTotal: l.authFailuresTotal,
  };
}

/** The engine's contract writes 0 for a time it does not have (an empty journal): absent in the model. */
function positive(timestamp: number): number | undefined {
  return timestamp > 0 ? timestamp : undefined;
}
