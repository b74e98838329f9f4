/**
 * The engine's status contract: what `GET /status` returns and what the WebSocket stream at
 * `/stream` carries. The collector reads exactly this; it is documented in docs/engine-api.md.
 * All times are Unix seconds on the *reporting* site's clock; RPO is computed on the production
 * site from its own timestamps, so clock skew between sites never distorts it.
 */

export type EngineGroupState = "initializing" | "resyncing" | "active" | "paused" | "bitmap" | "error" | "failed-over";
export type EngineLinkState = "up" | "connecting" | "down";
export type ReplicationMode = "async" | "sync";
/** Which way a group replicates from the reporting site: its writes are served and shipped here, or received and journaled here. */
export type GroupDirection = "production" | "recovery";

export interface VolumeStatus {
  name: string;
  sizeBytes: number;
  /**
   * Counters since the site first started (persisted across restarts). Absent where the site does
   * not see the volume's writes: the recovery site applies changes, it does not count clients' writes.
   */
  writtenBytesTotal?: number;
  writeOpsTotal?: number;
  trimmedBytesTotal?: number;
  /** Data-at-risk time of this volume's oldest pending write; absent on the recovery site, which cannot measure it. */
  rpoSeconds?: number;
}

export interface BacklogStatus {
  /** Acknowledged to clients, not yet durable at the recovery site. */
  writes: number;
  /** Bytes by where they sit. `recovery` = received and durable but not yet distributed to the replica. */
  productionBytes: number;
  inFlightBytes: number;
  recoveryBytes: number;
}

export interface SyncStatus {
  /** `none` when no initial sync or resync is running. */
  kind: "none" | "full" | "fast" | "extents";
  progressRatio: number;
  /** Bytes compared (fast) or copied so far, of bytesTotal. */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes of the blocks that differed and were sent; a fast resync of matching images sends none. */
  bytesSent: number;
  etaSeconds: number;
}

/** A sync status with nothing done yet: a copy just starting, or none running (progress 1 once the last one finished). */
export function syncStatus(kind: SyncStatus["kind"], progressRatio: 0 | 1 = 0): SyncStatus {
  return { kind, progressRatio, bytesDone: 0, bytesTotal: 0, bytesSent: 0, etaSeconds: 0 };
}

export interface BookmarkStatus {
  name: string;
  seq: number;
  timestamp: number;
}

export interface JournalStatus {
  capacityBytes: number;
  usedBytes: number;
  undistributedBytes: number;
  /** Oldest and newest recoverable points (source timestamps); 0 when the journal is empty. */
  oldestRecoverableTimestamp: number;
  newestRecoverableTimestamp: number;
  requiredWindowSeconds: number;
  achievedWindowSeconds: number;
  trimmedBytesByTime: number;
  trimmedBytesBySpace: number;
  /** Capacity of the file system that holds the journal. */
  storeCapacityBytes: number;
  /** Records whose checksum failed; reported, never applied. */
  corruptRecordsTotal: number;
  /** Points held by readers (point-in-time images, reads in progress); retention keeps what they need. */
  pins: PinStatus[];
}

export interface PinStatus {
  /** Who holds the point (e.g. an image export's name, or `read` for one read). */
  holder: string;
  seq: number;
  /** Source time of the point. */
  timestamp: number;
  /** When the pin was taken (reporting site's clock). */
  sinceTimestamp: number;
}

export interface GroupStatus {
  name: string;
  /** This group's direction at the reporting site (a site may hold groups of both directions). */
  direction: GroupDirection;
  tenant: string;
  state: EngineGroupState;
  /** Why the state is `error` (a local I/O failure, a corrupt journal record, volumes that differ between sites); null otherwise. */
  fault: string | null;
  mode: ReplicationMode;
  rpoSeconds: number;
  rpoTargetSeconds: number;
  /** Highest sequence number assigned to a write of the group. */
  headSeq: number;
  /** Highest sequence number the recovery site has made durable in its journal. */
  durableSeq: number;
  /** Highest sequence number distributed to the replica images. */
  appliedSeq: number;
  backlog: BacklogStatus;
  /** Newest recoverable point (source clock): the source time of durableSeq, or of the last heartbeat when idle. */
  recoveryPointTimestamp: number;
  lastBookmark: BookmarkStatus | null;
  bookmarkIntervalSeconds: number;
  resyncRequired: boolean;
  sync: SyncStatus;
  /** Time of the last successful test failover; absent when no test failover has ever run. */
  lastTestFailoverTimestamp?: number;
  volumes: VolumeStatus[];
  /** Present for a recovery group. */
  journal: JournalStatus | null;
  /** Recovery site: image access, test failover and drills (docs/recovery.md). */
  recovery?: GroupRecoveryStatus;
  /** Present once the group has failed over (state `failed-over`), at both sites (docs/recovery.md). */
  failover?: GroupFailoverStatus;
  /** Present once the group was reprotected (its direction reversed), at both sites (docs/recovery.md). */
  reprotect?: GroupReprotectStatus;
  /** Present at the group's production site while a planned failback drains it (docs/recovery.md). */
  failback?: GroupFailbackStatus;
}

/**
 * A planned failback at the group's production site: its writes are refused while what it
 * acknowledged ships (`draining`, with progress), then the other site is asked to take the group
 * (`handing-over`); `failed` (no progress for a while, or the other site refused) and `stopped`
 * (the site restarted meanwhile) leave the writes refused until the failback is asked again or
 * cancelled. Gone once the other site took the group: its `reprotect` block follows.
 */
export interface GroupFailbackStatus {
  phase: "draining" | "handing-over" | "failed" | "stopped";
  /** The site the group fails back to. */
  toSite: string;
  startedAt: number;
  /** Bytes acknowledged here and not yet durable at `toSite`. */
  bytesRemaining: number;
  /** Bytes made durable there since the failback began. */
  bytesShipped: number;
  progressRatio: number;
  etaSeconds: number;
  /** Why it failed or stopped, and what to do. */
  error?: string;
}

/**
 * A group whose direction reprotect reversed. The new production site sends the extents that
 * differ (`resyncing`, with progress), then replicates as any production group (`protected`); the
 * old production site is its recovery site from the moment it took the link.
 */
export interface GroupReprotectStatus {
  phase: "retiring" | "resyncing" | "protected";
  /** The group's direction at the reporting site since the reprotect. */
  direction: GroupDirection;
  /** The site at the other end. */
  peerSite: string;
  startedAt: number;
  endedAt?: number;
  /** New production: bytes of the extents to send, bytes sent so far, progress and ETA of the copy. */
  bytesToSend?: number;
  bytesSent?: number;
  progressRatio?: number;
  etaSeconds?: number;
  /** New production: where each volume is served for writing now. */
  volumes?: { name: string; uri: string }[];
}

/**
 * A failed-over group. The recovery site promotes it (`promoting` while its replica is rolled to
 * the point, then `promoted`: served writable here, direction production); the old production site
 * is `fenced` (its exports refuse writes) once it hears of it over the link.
 */
/** Where a volume is served over NBD: `uri` over TCP; `unixUri` (nbd+unix) when the site serves it on a Unix socket too. */
export interface VolumeAddress {
  name: string;
  uri: string;
  unixUri?: string;
}

export interface GroupFailoverStatus {
  phase: "promoting" | "promoted" | "fenced";
  /** The site the group failed over to. */
  toSite: string;
  /** The recovery point the group was promoted at (recovery site only). */
  point?: { seq: number; timestamp: number; bookmark?: string };
  /** When the phase began (reporting site's clock). */
  sinceTimestamp: number;
  /**
   * Promoted: where each volume is served for writing; `unixUri` too with `imageAccess.socketDir`
   * (socket `<socketDir>/<group>.promoted.sock`).
   */
  volumes?: VolumeAddress[];
  /**
   * Promoted, after a restart that found the volumes' port taken: the port they were served on
   * before. `volumes` has the new addresses; clients must reconnect to them.
   */
  previousPort?: number;
  /**
   * Promoted, with `imageAccess.socketDir`, when serving the volumes again (a restart) found their
   * Unix socket path held by something else (another process's socket, a file that is not a
   * socket): why, naming the path. `volumes` then has no `unixUri`; the next start listens on it
   * once the path is free.
   */
  unixSocketError?: string;
  /** Promoted: the old production site reported what it holds beyond the journal (reprotect needs it). */
  oldSiteReported?: boolean;
}

export interface GroupRecoveryStatus {
  imageAccess: {
    mode: "off" | "read-only" | "test-failover";
    /** Test failover only: scratch bytes written and the bound (the group's image-access share of the journal). */
    scratchUsedBytes?: number;
    scratchCapacityBytes?: number;
  };
  /** End of the newest passed drill; absent when the group was never tested successfully. */
  lastTestFailoverTimestamp?: number;
  /** Measured RTO of the newest drill whose image came up; absent when none did. */
  lastDrillRtoSeconds?: number;
}

export interface LinkStatus {
  /** Link name: `<production site>-><recovery site>`. */
  name: string;
  peerSite: string;
  state: EngineLinkState;
  wireBytesTotal: number;
  rawBytesTotal: number;
  /** Effective limit now, after time-of-day schedules; 0 when unlimited. */
  limitBytesPerSecond: number;
  rttSeconds: number;
  reconnectsTotal: number;
  authFailuresTotal: number;
  /** Source time of the last heartbeat or data acknowledged over the link; 0 when never. */
  lastContactTimestamp: number;
}

export interface SiteStatus {
  site: string;
  /** The site's configured role: the direction of its groups that do not say their own. */
  role: GroupDirection;
  /** Time this snapshot was taken (reporting site's clock). */
  timestamp: number;
  startedAt: number;
  version: string;
  groups: GroupStatus[];
  /** The link to the recovery site of its production groups, then the one from the production site of its recovery groups; each only when the site has such groups. */
  links: LinkStatus[];
}

/** Events on the WebSocket stream, next to periodic `snapshot` messages. */
export type EngineEvent =
  | { type: "state"; group: string; from: EngineGroupState; to: EngineGroupState; reason: string }
  | { type: "link"; link: string; state: EngineLinkState; reason: string }
  | { type: "bookmark"; group: string; bookmark: BookmarkStatus }
  | { type: "sync"; group: string; phase: "start"; kind: SyncStatus["kind"] }
  | { type: "sync"; group: string; phase: "end"; kind: SyncStatus["kind"]; bytesCompared: number; bytesSent: number }
  | { type: "auth-refused"; link: string; remote: string; reason: string }
  | { type: "corrupt-record"; group: string; segment: string; offset: number; reason: string };

/** Messages on `GET /stream` (WebSocket), JSON text frames. */
export type StreamMessage =
  | { type: "snapshot"; status: SiteStatus }
  | { type: "event"; timestamp: number; event: EngineEvent };
