/**
 * The typed metric catalogue: the one source of truth for every series rpowatch exports.
 * The exporter registers from it; alert rules, the SNMP MIB, dashboards, the InfluxDB schema and
 * docs/metrics.md are generated from it. Refer to metrics by key (`metrics.groupRpo.name`), never
 * by a string literal, so that a rename fails the type check instead of breaking a panel or rule.
 */
import { BACKLOG_LOCATIONS, FAILOVER_PHASES, GROUP_STATES, LINK_STATES } from "./entities.ts";

export type MetricType = "gauge" | "counter";

/** Unit of a series; drives the name suffix, the Grafana unit and the docs. */
export type Unit =
  | "seconds"
  | "timestamp_seconds"
  | "bytes"
  | "bytes_per_second"
  | "ratio"
  | "boolean"
  | "count"
  | "info"
  | "state";

/** The entity a series describes: its place in tenant → site → group → volume, or a link, a source… */
export type Entity = "volume" | "group" | "journal" | "link" | "interface" | "source" | "notifier" | "collector";

/** Labels that place a series; every entity's series carries its whole label set. */
export const ENTITY_LABELS = {
  volume: ["tenant", "site", "group", "volume", "source"],
  group: ["tenant", "site", "group", "source"],
  journal: ["tenant", "site", "group", "source"],
  link: ["tenant", "site", "link", "source"],
  interface: ["tenant", "site", "link", "interface", "source"],
  source: ["source", "kind"],
  notifier: ["channel", "destination"],
  collector: [],
} as const satisfies Record<Entity, readonly string[]>;

export interface MetricDef {
  name: string;
  type: MetricType;
  unit: Unit;
  entity: Entity;
  /** Labels beyond the entity's own, each with its closed set of values. */
  extraLabels?: Readonly<Record<string, readonly string[]>>;
  help: string;
  /** Every metric is shown on a dashboard unless this says why not. */
  notOnDashboard?: string;
}

const def = <const M extends MetricDef>(m: M): M => m;

export const metrics = {
  // ── Volumes ────────────────────────────────────────────────────────────────
  volumeSize: def({
    name: "rpowatch_volume_size_bytes",
    type: "gauge",
    unit: "bytes",
    entity: "volume",
    help: "Provisioned size of the protected volume.",
  }),
  volumeWrittenBytes: def({
    name: "rpowatch_volume_written_bytes_total",
    type: "counter",
    unit: "bytes",
    entity: "volume",
    help: "Bytes written by clients to the protected volume (the change that must be replicated).",
  }),
  volumeWriteOps: def({
    name: "rpowatch_volume_write_operations_total",
    type: "counter",
    unit: "count",
    entity: "volume",
    help: "Write operations by clients to the protected volume.",
  }),
  volumeTrimmedBytes: def({
    name: "rpowatch_volume_trimmed_bytes_total",
    type: "counter",
    unit: "bytes",
    entity: "volume",
    help: "Bytes discarded by clients (TRIM and WRITE_ZEROES) on the protected volume.",
  }),
  volumeChangeRate: def({
    name: "rpowatch_volume_change_rate_bytes_per_second",
    type: "gauge",
    unit: "bytes_per_second",
    entity: "volume",
    help: "Change rate of the volume over the collector's rate window, derived from the written-bytes counter.",
  }),
  volumeRpo: def({
    name: "rpowatch_volume_rpo_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "volume",
    help: "Data-at-risk time of the volume: age of its oldest acknowledged write not yet durable at the recovery site; 0 when nothing is pending.",
  }),

  // ── Consistency groups ─────────────────────────────────────────────────────
  groupInfo: def({
    name: "rpowatch_group_info",
    type: "gauge",
    unit: "info",
    entity: "group",
    extraLabels: { mode: ["async", "sync"], peer_site: [] },
    help: "Static facts about a consistency group; value is always 1.",
    notOnDashboard: "joined into other queries for its labels, not plotted itself",
  }),
  groupState: def({
    name: "rpowatch_group_state",
    type: "gauge",
    unit: "state",
    entity: "group",
    extraLabels: { state: GROUP_STATES },
    help: "Replication state of the group as a state set: 1 for the current state, 0 for the others; an active group reads error while its site's replication links are all down.",
  }),
  groupRpo: def({
    name: "rpowatch_group_rpo_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "group",
    help: "Data-at-risk time of the group: maximum over its volumes; 0 when nothing is pending, growing while the link is down.",
  }),
  groupRpoTarget: def({
    name: "rpowatch_group_rpo_target_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "group",
    help: "RPO target of the group (default 1800 s, the seeds' RPO threshold).",
  }),
  groupRpoTargetRatio: def({
    name: "rpowatch_group_rpo_target_ratio",
    type: "gauge",
    unit: "ratio",
    entity: "group",
    help: "RPO divided by the RPO target: above 1 the target is violated.",
  }),
  groupRecoveryPoint: def({
    name: "rpowatch_group_recovery_point_timestamp_seconds",
    type: "gauge",
    unit: "timestamp_seconds",
    entity: "group",
    help: "Newest point in time the group can be recovered to (source clock).",
  }),
  groupRecoveryPointAge: def({
    name: "rpowatch_group_recovery_point_age_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "group",
    help: "Time since the newest recoverable point as the recovery site sees it (an upper bound); the group's RPO is rpowatch_group_rpo_seconds, from the production site.",
  }),
  groupBacklogBytes: def({
    name: "rpowatch_group_backlog_bytes",
    type: "gauge",
    unit: "bytes",
    entity: "group",
    extraLabels: { location: BACKLOG_LOCATIONS },
    help: "Un-replicated or undistributed bytes by where they sit: production queue, in flight on the link, received at recovery but not yet distributed to the replica.",
  }),
  groupBacklogWrites: def({
    name: "rpowatch_group_backlog_writes",
    type: "gauge",
    unit: "count",
    entity: "group",
    help: "Writes acknowledged to clients and not yet durable at the recovery site.",
  }),
  groupChangeRate: def({
    name: "rpowatch_group_change_rate_bytes_per_second",
    type: "gauge",
    unit: "bytes_per_second",
    entity: "group",
    help: "Change rate of the group (sum over its volumes) over the collector's rate window.",
  }),
  groupDrainRate: def({
    name: "rpowatch_group_drain_rate_bytes_per_second",
    type: "gauge",
    unit: "bytes_per_second",
    entity: "group",
    help: "Rate at which the recovery site makes the group's data durable, over the collector's rate window.",
  }),
  groupDrainEta: def({
    name: "rpowatch_group_drain_eta_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "group",
    help: "Time for the backlog to drain at the current net drain rate (drain minus change); only meaningful when rpowatch_group_drain_eta_valid is 1.",
  }),
  groupDrainEtaValid: def({
    name: "rpowatch_group_drain_eta_valid",
    type: "gauge",
    unit: "boolean",
    entity: "group",
    help: "1 when the backlog is draining and rpowatch_group_drain_eta_seconds is a real estimate, 0 when the backlog is not shrinking.",
  }),
  groupRpoAtRisk: def({
    name: "rpowatch_group_rpo_at_risk",
    type: "gauge",
    unit: "boolean",
    entity: "group",
    help: "1 when the RPO is forecast to pass its target before the backlog drains (RPO + drain ETA > target), or data is at risk (RPO above 0) and the backlog is not draining. Absent in a recovery site's view of the group, as its RPO is, and where the change rate is unknown.",
  }),
  groupBottleneck: def({
    name: "rpowatch_group_bottleneck",
    type: "gauge",
    unit: "state",
    entity: "group",
    extraLabels: { location: ["none", ...BACKLOG_LOCATIONS] },
    help: "Where the backlog mostly sits (domain bottleneck rule): production = source side, in_flight = WAN, recovery = target site; none when there is no backlog.",
  }),
  groupLastBookmark: def({
    name: "rpowatch_group_last_bookmark_timestamp_seconds",
    type: "gauge",
    unit: "timestamp_seconds",
    entity: "group",
    help: "Source time of the group's newest bookmark (consistency point); absent while there is none.",
  }),
  groupBookmarkInterval: def({
    name: "rpowatch_group_bookmark_interval_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "group",
    help: "Configured interval between periodic bookmarks of the group (default 1800 s).",
  }),
  groupSyncProgress: def({
    name: "rpowatch_group_sync_progress_ratio",
    type: "gauge",
    unit: "ratio",
    entity: "group",
    help: "Progress of the running initial sync or resync (0–1); 1 when no sync is running.",
  }),
  groupSyncEta: def({
    name: "rpowatch_group_sync_eta_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "group",
    help: "Estimated time to finish the running initial sync or resync; 0 when none is running.",
  }),
  groupResyncRequired: def({
    name: "rpowatch_group_resync_required",
    type: "gauge",
    unit: "boolean",
    entity: "group",
    help: "1 while the group needs a resync (after bitmap mode, a resize or a divergence) until it completes.",
  }),
  groupLastTestFailover: def({
    name: "rpowatch_group_last_test_failover_timestamp_seconds",
    type: "gauge",
    unit: "timestamp_seconds",
    entity: "group",
    help: "Time of the group's last successful test failover (DR drill); absent when none is on record.",
  }),
  groupLastDrillRto: def({
    name: "rpowatch_group_last_drill_rto_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "group",
    help: "Measured RTO of the group's newest DR drill whose image came up: from the request to the first byte of every volume readable. Absent when no drill has.",
  }),
  groupImageAccess: def({
    name: "rpowatch_group_image_access",
    type: "gauge",
    unit: "state",
    entity: "group",
    extraLabels: { mode: ["off", "read-only", "test-failover"] },
    help: "Image access of the group at the recovery site: 1 for the current mode (off, read-only point-in-time image, writable test failover), 0 for the others.",
  }),
  groupFailover: def({
    name: "rpowatch_group_failover",
    type: "gauge",
    unit: "state",
    entity: "group",
    extraLabels: { phase: FAILOVER_PHASES },
    help: "Failover of the group as the reporting site sees it: 1 for the current phase (none; promoting: the recovery site rolls its replicas back to the point; promoted: failed over to this site, volumes served writable here and unprotected until reprotected; fenced: the old production site, its exports refuse writes), 0 for the others.",
  }),
  groupScratchUsed: def({
    name: "rpowatch_group_test_failover_scratch_used_bytes",
    type: "gauge",
    unit: "bytes",
    entity: "group",
    help: "Bytes a running test failover has written into its scratch area; absent when no test runs.",
  }),
  groupScratchCapacity: def({
    name: "rpowatch_group_test_failover_scratch_capacity_bytes",
    type: "gauge",
    unit: "bytes",
    entity: "group",
    help: "Bound of a running test failover's scratch area (the group's image-access share of its journal capacity); absent when no test runs.",
  }),

  // ── Journals (recovery site, one per group) ───────────────────────────────
  journalCapacity: def({
    name: "rpowatch_journal_capacity_bytes",
    type: "gauge",
    unit: "bytes",
    entity: "journal",
    help: "Space allotted to the group's journal (its hard limit).",
  }),
  journalUsed: def({
    name: "rpowatch_journal_used_bytes",
    type: "gauge",
    unit: "bytes",
    entity: "journal",
    help: "Space used by the group's journal.",
  }),
  journalUtilization: def({
    name: "rpowatch_journal_utilization_ratio",
    type: "gauge",
    unit: "ratio",
    entity: "journal",
    help: "Journal used divided by capacity.",
  }),
  journalPending: def({
    name: "rpowatch_journal_undistributed_bytes",
    type: "gauge",
    unit: "bytes",
    entity: "journal",
    help: "Journal bytes received but not yet distributed to the replica (never evicted).",
  }),
  journalOldest: def({
    name: "rpowatch_journal_oldest_recoverable_timestamp_seconds",
    type: "gauge",
    unit: "timestamp_seconds",
    entity: "journal",
    help: "Oldest point in time the journal can recover to (source clock); absent while the journal is empty.",
  }),
  journalNewest: def({
    name: "rpowatch_journal_newest_recoverable_timestamp_seconds",
    type: "gauge",
    unit: "timestamp_seconds",
    entity: "journal",
    help: "Newest point in time the journal can recover to (source clock); absent while the journal is empty.",
  }),
  journalWindow: def({
    name: "rpowatch_journal_protection_window_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "journal",
    help: "Protection window achieved: newest minus oldest recoverable point.",
  }),
  journalWindowTarget: def({
    name: "rpowatch_journal_protection_window_target_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "journal",
    help: "Protection window required by the retention policy.",
  }),
  journalWindowRatio: def({
    name: "rpowatch_journal_protection_window_ratio",
    type: "gauge",
    unit: "ratio",
    entity: "journal",
    help: "Achieved protection window divided by the required window (alerts below 0.85 and 0.75).",
  }),
  journalFullEta: def({
    name: "rpowatch_journal_full_eta_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "journal",
    help: "Time until the journal is full at the current fill rate; +Inf when it is not filling.",
  }),
  journalTrimmedBytes: def({
    name: "rpowatch_journal_trimmed_bytes_total",
    type: "counter",
    unit: "bytes",
    entity: "journal",
    extraLabels: { reason: ["time", "space"] },
    help: "History trimmed from the journal, by reason: aged out of the window (time) or evicted for room (space).",
  }),
  journalCorruptRecords: def({
    name: "rpowatch_journal_corrupt_records_total",
    type: "counter",
    unit: "count",
    entity: "journal",
    help: "Journal records whose checksum failed at the recovery site: counted, never applied. Any increase means damaged storage or a damaged transfer.",
  }),
  journalStoreCapacity: def({
    name: "rpowatch_journal_store_capacity_bytes",
    type: "gauge",
    unit: "bytes",
    entity: "journal",
    help: "Capacity of the file system holding the journal; the sum of journal capacities above it is over-allocation.",
  }),

  // ── Links ─────────────────────────────────────────────────────────────────
  linkState: def({
    name: "rpowatch_link_state",
    type: "gauge",
    unit: "state",
    entity: "link",
    extraLabels: { state: LINK_STATES },
    help: "Replication link state as a state set: 1 for the current state, 0 for the others.",
  }),
  linkUp: def({
    name: "rpowatch_link_up",
    type: "gauge",
    unit: "boolean",
    entity: "link",
    help: "1 when the replication link is connected and authenticated, else 0.",
  }),
  linkWireBytes: def({
    name: "rpowatch_link_wire_bytes_total",
    type: "counter",
    unit: "bytes",
    entity: "link",
    help: "Bytes sent on the wire over the replication link (after compression).",
  }),
  linkRawBytes: def({
    name: "rpowatch_link_raw_bytes_total",
    type: "counter",
    unit: "bytes",
    entity: "link",
    help: "Bytes of replicated data sent over the link before compression.",
  }),
  linkThroughput: def({
    name: "rpowatch_link_throughput_bytes_per_second",
    type: "gauge",
    unit: "bytes_per_second",
    entity: "link",
    help: "Wire throughput of the link over the collector's rate window.",
  }),
  linkLimit: def({
    name: "rpowatch_link_limit_bytes_per_second",
    type: "gauge",
    unit: "bytes_per_second",
    entity: "link",
    help: "Effective bandwidth limit of the link now (after time-of-day schedules); 0 when unlimited.",
  }),
  linkUtilization: def({
    name: "rpowatch_link_utilization_ratio",
    type: "gauge",
    unit: "ratio",
    entity: "link",
    help: "Wire throughput divided by the effective limit; 0 when unlimited.",
  }),
  linkCompressionRatio: def({
    name: "rpowatch_link_compression_ratio",
    type: "gauge",
    unit: "ratio",
    entity: "link",
    help: "Raw bytes divided by wire bytes over the collector's rate window (1 when uncompressed).",
  }),
  linkRtt: def({
    name: "rpowatch_link_rtt_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "link",
    help: "Round-trip time of the link's heartbeat.",
  }),
  linkReconnects: def({
    name: "rpowatch_link_reconnects_total",
    type: "counter",
    unit: "count",
    entity: "link",
    help: "Times the link was re-established after a loss.",
  }),
  linkAuthFailures: def({
    name: "rpowatch_link_auth_failures_total",
    type: "counter",
    unit: "count",
    entity: "link",
    help: "Link connections refused because the peer failed authentication.",
  }),

  // ── WAN interfaces polled over SNMP ───────────────────────────────────────
  interfaceInBytes: def({
    name: "rpowatch_interface_receive_bytes_total",
    type: "counter",
    unit: "bytes",
    entity: "interface",
    help: "Bytes received on a WAN interface (IF-MIB ifHCInOctets), wraps and agent restarts folded in.",
  }),
  interfaceOutBytes: def({
    name: "rpowatch_interface_transmit_bytes_total",
    type: "counter",
    unit: "bytes",
    entity: "interface",
    help: "Bytes transmitted on a WAN interface (IF-MIB ifHCOutOctets), wraps and agent restarts folded in.",
  }),
  interfaceSpeed: def({
    name: "rpowatch_interface_speed_bytes_per_second",
    type: "gauge",
    unit: "bytes_per_second",
    entity: "interface",
    help: "Nominal speed of a WAN interface (IF-MIB ifHighSpeed, converted to bytes per second).",
  }),
  interfaceUtilization: def({
    name: "rpowatch_interface_utilization_ratio",
    type: "gauge",
    unit: "ratio",
    entity: "interface",
    extraLabels: { direction: ["receive", "transmit"] },
    help: "Throughput of a WAN interface divided by its speed, per direction.",
  }),

  // ── Sources (collector self-health) ───────────────────────────────────────
  sourceUp: def({
    name: "rpowatch_source_up",
    type: "gauge",
    unit: "boolean",
    entity: "source",
    help: "1 when the collector's last attempt to read the source succeeded.",
  }),
  sourceCollectDuration: def({
    name: "rpowatch_source_collect_duration_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "source",
    help: "Duration of the last collection from the source.",
  }),
  sourceLastSuccess: def({
    name: "rpowatch_source_last_success_timestamp_seconds",
    type: "gauge",
    unit: "timestamp_seconds",
    entity: "source",
    help: "Time of the last successful collection from the source.",
  }),
  sourceDataAge: def({
    name: "rpowatch_source_data_age_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "source",
    help: "Age of the newest data from the source (staleness): never show a stale green.",
  }),
  sourceSamples: def({
    name: "rpowatch_source_samples_ingested_total",
    type: "counter",
    unit: "count",
    entity: "source",
    help: "Samples ingested from the source.",
  }),
  sourceErrors: def({
    name: "rpowatch_source_errors_total",
    type: "counter",
    unit: "count",
    entity: "source",
    help: "Failed collections or refused pushes from the source.",
  }),

  pushRefusals: def({
    name: "rpowatch_push_refusals_total",
    type: "counter",
    unit: "count",
    entity: "collector",
    extraLabels: { reason: ["missing_token", "unknown_token"] },
    help: "Pushes refused before any source could be named, by reason: no or malformed bearer token (401), a token no push source owns (403). A known source's refused pushes count in rpowatch_source_errors_total.",
  }),

  // ── Notifier and collector ────────────────────────────────────────────────
  notifications: def({
    name: "rpowatch_notifications_total",
    type: "counter",
    unit: "count",
    entity: "notifier",
    extraLabels: { result: ["sent", "failed"] },
    help: "Notifications (SNMP traps, e-mails) handled, each counted once as sent or failed.",
  }),
  alertmanagerWebhookRefusals: def({
    name: "rpowatch_alertmanager_webhook_refusals_total",
    type: "counter",
    unit: "count",
    entity: "collector",
    extraLabels: { reason: ["unsupported_media_type", "too_large", "not_json", "invalid_payload"] },
    help: "Alertmanager webhook posts refused, by reason: not application/json (415), over the size bound (413), not JSON (400), not a version 4 webhook payload (400). Nothing of a refused post is sent.",
  }),
  buildInfo: def({
    name: "rpowatch_build_info",
    type: "gauge",
    unit: "info",
    entity: "collector",
    extraLabels: { version: [] },
    help: "rpowatch build information; value is always 1.",
    notOnDashboard: "static build facts, not a signal",
  }),

  // ── History writer (history/buffer.ts) ────────────────────────────────────
  historyBufferedPoints: def({
    name: "rpowatch_history_buffered_points",
    type: "gauge",
    unit: "count",
    entity: "collector",
    help: "History points held in the on-disk buffer because the history store could not take them yet.",
  }),
  historyBufferCapacity: def({
    name: "rpowatch_history_buffer_capacity_points",
    type: "gauge",
    unit: "count",
    entity: "collector",
    help: "Points the history buffer holds at most (history.buffer.maxPoints); beyond it new points are dropped.",
  }),
  historyWrittenPoints: def({
    name: "rpowatch_history_written_points_total",
    type: "counter",
    unit: "count",
    entity: "collector",
    help: "History points the history store accepted, directly or replayed from the buffer.",
  }),
  historyWriteFailures: def({
    name: "rpowatch_history_write_failures_total",
    type: "counter",
    unit: "count",
    entity: "collector",
    help: "Writes to the history store that failed (each failed batch is buffered and retried).",
  }),
  historyDroppedPoints: def({
    name: "rpowatch_history_dropped_points_total",
    type: "counter",
    unit: "count",
    entity: "collector",
    help: "History points lost because the buffer was full.",
  }),
  historyTierRecomputes: def({
    name: "rpowatch_history_tier_recomputes_total",
    type: "counter",
    unit: "count",
    entity: "collector",
    help: "Spans of late points (a buffer replay, a backfill) whose minute and hour buckets the InfluxDB history store's upkeep recomputed from the raw points; the late writes between two upkeep runs are merged into as few spans as they cover.",
    notOnDashboard:
      "a cost figure for tuning (each span reads its minutes' raw points of every series back), not a signal to watch",
  }),
  historyRetentionSurplus: def({
    name: "rpowatch_history_retention_surplus_seconds",
    type: "gauge",
    unit: "seconds",
    entity: "collector",
    extraLabels: { policy: ["raw", "m1", "h1", "m1h"] },
    help: "InfluxDB client tiers: how much longer each tier's retention policy (made by the operator) keeps points than history.retention says, checked at the first upkeep; negative is shorter (below 0 for raw, the upkeep may find raw points gone before it rolls them up), +Inf a policy that keeps them forever. Absent when not checked.",
    notOnDashboard: "a configuration check made once at start, logged as an error or a warning when it differs",
  }),

  // ── Report schedule (reports/schedule/) ───────────────────────────────────
  reportRuns: def({
    name: "rpowatch_report_runs_total",
    type: "counter",
    unit: "count",
    entity: "collector",
    extraLabels: { report: ["capacity", "health"], result: ["succeeded", "failed"] },
    help: "Scheduled report runs (reports.schedule), each counted once as succeeded or failed; a failed run is run again at the next start.",
  }),
} as const;

export type MetricKey = keyof typeof metrics;
export const METRIC_LIST: readonly MetricDef[] = Object.values(metrics);

/** All label names of a metric, entity labels first. */
export function labelNames(m: MetricDef): string[] {
  return [...ENTITY_LABELS[m.entity], ...Object.keys(m.extraLabels ?? {})];
}

/** Grafana's unit id for a catalogue unit. */
export function grafanaUnit(unit: Unit): string {
  switch (unit) {
    case "seconds":
      return "s";
    case "timestamp_seconds":
      return "dateTimeFromNow";
    case "bytes":
      return "bytes";
    case "bytes_per_second":
      return "Bps";
    case "ratio":
      return "percentunit";
    case "boolean":
      return "bool";
    case "count":
    case "info":
    case "state":
      return "short";
  }
}
