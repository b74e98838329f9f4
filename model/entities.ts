/**
 * The shared vocabulary of rpowatch: entities and their enumerations. Every part (collector,
 * exporter, alerts, dashboards, reports) imports these; the replication engine does not, it has
 * its own status contract in replication/status.ts that the collector maps onto this model.
 */

/** Replication state of a consistency group (domain.md §2.3). */
/** `failed-over` comes last so the state codes of dashboards' timelines keep their values. */
export const GROUP_STATES = [
  "initializing",
  "resyncing",
  "active",
  "paused",
  "bitmap",
  "error",
  "unknown",
  "failed-over",
] as const;
export type GroupState = (typeof GROUP_STATES)[number];

/**
 * A group's failover as the reporting site sees it (docs/recovery.md): `none`; `promoting` (the
 * recovery site rolls its replicas to the point); `promoted` (failed over to this site, its volumes
 * served writable here); `fenced` (the old production site: its exports refuse writes).
 */
export const FAILOVER_PHASES = ["none", "promoting", "promoted", "fenced"] as const;
export type FailoverPhase = (typeof FAILOVER_PHASES)[number];

/** Where un-replicated data sits; drives the bottleneck rule (domain.md §9.1). */
export const BACKLOG_LOCATIONS = ["production", "in_flight", "recovery"] as const;
export type BacklogLocation = (typeof BACKLOG_LOCATIONS)[number];

export const LINK_STATES = ["up", "connecting", "down", "unknown"] as const;
export type LinkState = (typeof LINK_STATES)[number];

export const SITE_ROLES = ["production", "recovery"] as const;
export type SiteRole = (typeof SITE_ROLES)[number];

/** Kinds of source adapter the collector runs. */
export const SOURCE_KINDS = ["engine", "push", "snmp", "postgres"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Default RPO target: InMage's per-pair RPO threshold, 30 min (001_0cf9b2a003f84c21.txt L1726). */
export const DEFAULT_RPO_TARGET_SECONDS = 1800;
/** Default consistency (bookmark) interval, 30 min (001_0cf9b2a003f84c21.txt L3086, L3094). */
export const DEFAULT_BOOKMARK_INTERVAL_SECONDS = 1800;
/** Default tenant for single-tenant installations. */
export const DEFAULT_TENANT = "default";
