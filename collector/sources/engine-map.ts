/** Maps the engine's status contract (replication/status.ts) onto the collector's normalized model. */
import type { GroupStatus, LinkStatus, SiteStatus } from "../../replication/status.ts";
import type { GroupSample, LinkSample, SourceSnapshot } from "../model.ts";

export function mapSiteStatus(status: SiteStatus, tenant: string): SourceSnapshot {
  // A site replicates over its links to one peer; the group's peer is that link's far end.
  const peerSite = status.links[0]?.peerSite ?? "";
  return {
    timestamp: status.timestamp,
    groups: status.groups.map((g) => mapGroup(g, status.site, peerSite)),
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
    rpoSeconds: g.rpoSeconds,
    rpoTargetSeconds: g.rpoTargetSeconds,
    recoveryPointTimestamp: g.recoveryPointTimestamp,
    backlogBytes: {
      production: g.backlog.productionBytes,
      in_flight: g.backlog.inFlightBytes,
      recovery: g.backlog.recoveryBytes,
    },
    backlogWrites: g.backlog.writes,
    lastBookmarkTimestamp: g.lastBookmark?.timestamp ?? 0,
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
      oldestRecoverableTimestamp: g.journal.oldestRecoverableTimestamp,
      newestRecoverableTimestamp: g.journal.newestRecoverableTimestamp,
      requiredWindowSeconds: g.journal.requiredWindowSeconds,
      achievedWindowSeconds: g.journal.achievedWindowSeconds,
      trimmedBytesByTime: g.journal.trimmedBytesByTime,
      trimmedBytesBySpace: g.journal.trimmedBytesBySpace,
      storeCapacityBytes: g.journal.storeCapacityBytes,
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
