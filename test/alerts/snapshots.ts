/** Hand-built collector snapshots for the built-in evaluator's tests: one group, journal, link or source at a time. */
import type {
  GroupPlace,
  GroupView,
  JournalView,
  LinkView,
  ModelSnapshot,
  SourceHealth,
} from "../../collector/snapshot.ts";
import { EMPTY_SNAPSHOT } from "../../collector/snapshot.ts";
import type { GroupState, LinkState } from "../../model/entities.ts";

export const PLACE: GroupPlace = { source: "engine", tenant: "acme", site: "dr", group: "db" };
export const NOW = 1_800_000_000;

export function group(rpo: number, state: GroupState = "active", place: GroupPlace = PLACE): GroupView {
  return {
    ...place,
    raw: {
      tenant: place.tenant,
      site: place.site,
      name: place.group,
      state,
      mode: "async",
      peerSite: "prod",
      rpoSeconds: rpo,
      rpoTargetSeconds: 1800,
      recoveryPointTimestamp: NOW,
      backlogBytes: { production: 0, in_flight: 0, recovery: 0 },
      backlogWrites: 0,
      lastBookmarkTimestamp: NOW,
      bookmarkIntervalSeconds: 1800,
      syncProgressRatio: 1,
      syncEtaSeconds: 0,
      resyncRequired: false,
      lastTestFailoverTimestamp: NOW,
    },
    derived: {
      rpoSeconds: rpo,
      observedTimestamp: NOW,
      rpoTargetRatio: rpo / 1800,
      recoveryPointTimestamp: NOW,
      changeRateBytesPerSecond: 0,
      backlogBytes: 0,
      bottleneck: "none",
      state,
      drainRateBytesPerSecond: 0,
      etaSeconds: 0,
      etaValid: true,
      rpoAtRisk: false,
    },
  };
}

export function journal(windowRatio: number, place: GroupPlace = PLACE): JournalView {
  return {
    ...place,
    raw: {
      capacityBytes: 1e9,
      usedBytes: 1e8,
      undistributedBytes: 0,
      oldestRecoverableTimestamp: NOW - 3600,
      newestRecoverableTimestamp: NOW,
      requiredWindowSeconds: 3600,
      achievedWindowSeconds: 3600 * windowRatio,
      trimmedBytesByTime: 0,
      trimmedBytesBySpace: 0,
      storeCapacityBytes: 1e10,
    },
    derived: {
      utilizationRatio: 0.1,
      windowRatio,
      fillRateBytesPerSecond: 0,
      fullEtaSeconds: Number.POSITIVE_INFINITY,
      fullWindowBytes: windowRatio > 0 ? 1e8 / windowRatio : undefined,
      fullWindowCycleMaxBytes: windowRatio > 0 ? 1e8 / windowRatio : undefined,
      fullWindowCycleAgoBytes: windowRatio > 0 ? 1e8 / windowRatio : undefined,
      trimmedBytesByTime: 0,
      trimmedBytesBySpace: 0,
    },
  };
}

export function link(state: LinkState, place: Omit<GroupPlace, "group"> & { link: string }): LinkView {
  return {
    ...place,
    raw: {
      tenant: place.tenant,
      site: place.site,
      name: place.link,
      state,
      wireBytesTotal: 0,
      rawBytesTotal: 0,
      limitBytesPerSecond: 0,
      rttSeconds: 0.001,
      reconnectsTotal: 0,
      authFailuresTotal: 0,
    },
    derived: {
      state,
      wireBytesTotal: 0,
      rawBytesTotal: 0,
      reconnectsTotal: 0,
      authFailuresTotal: 0,
      throughputBytesPerSecond: 0,
      utilizationRatio: 0,
      compressionRatio: 1,
    },
  };
}

export function source(name: string, up: boolean, dataTimestamp = NOW): SourceHealth {
  return {
    source: name,
    kind: "engine",
    up,
    lastSuccessTimestamp: dataTimestamp,
    dataTimestamp,
    staleAfterSeconds: 10,
    lastCollectDurationSeconds: 0.01,
    samplesIngestedTotal: 1,
    errorsTotal: up ? 0 : 1,
    lastError: up ? null : "connect ECONNREFUSED",
  };
}

export const snapshot = (parts: Partial<ModelSnapshot>): ModelSnapshot => ({
  ...EMPTY_SNAPSHOT,
  timestamp: NOW,
  ...parts,
});
