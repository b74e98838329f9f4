/** SiteStatus fixtures shaped like the engine's replication/status.ts contract. */
import { type GroupStatus, type SiteStatus, syncStatus } from "../../../replication/status.ts";

export function groupStatus(name: string, volumes: string[], overrides: Partial<GroupStatus> = {}): GroupStatus {
  return {
    name,
    direction: "production",
    tenant: "acme",
    state: "active",
    fault: null,
    mode: "async",
    rpoSeconds: 2,
    rpoTargetSeconds: 1800,
    headSeq: 100,
    durableSeq: 90,
    appliedSeq: 80,
    backlog: { writes: 10, productionBytes: 4096, inFlightBytes: 1024, recoveryBytes: 0 },
    recoveryPointTimestamp: 1_700_000_000,
    lastBookmark: { name: "hourly", seq: 50, timestamp: 1_699_999_000 },
    bookmarkIntervalSeconds: 1800,
    resyncRequired: false,
    sync: syncStatus("none"),
    lastTestFailoverTimestamp: 0,
    volumes: volumes.map((v) => ({
      name: v,
      sizeBytes: 64 * 1024 ** 2,
      writtenBytesTotal: 1_000_000,
      writeOpsTotal: 250,
      trimmedBytesTotal: 0,
      rpoSeconds: 2,
    })),
    journal: null,
    ...overrides,
  };
}

export function siteStatus(groups: GroupStatus[], timestamp = 1_700_000_002): SiteStatus {
  return {
    site: "paris",
    role: "production",
    timestamp,
    startedAt: 1_699_990_000,
    version: "0.1.0",
    groups,
    links: [
      {
        name: "paris->lyon",
        peerSite: "lyon",
        state: "up",
        wireBytesTotal: 500_000,
        rawBytesTotal: 1_000_000,
        limitBytesPerSecond: 0,
        rttSeconds: 0.002,
        reconnectsTotal: 0,
        authFailuresTotal: 0,
        lastContactTimestamp: timestamp,
      },
    ],
  };
}
