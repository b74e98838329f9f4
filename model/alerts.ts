/**
 * The typed alert catalogue, next to the metric catalogue it is built from. Prometheus rules,
 * promtool tests, the Alertmanager configuration, RPOWATCH-MIB and docs/alerts.md are generated
 * from it; the built-in evaluator runs the same alerts in-process (alerts/checks.ts holds one
 * in-process check per key, enforced by the type checker). Expressions name metrics through
 * `metrics.<key>.name` so a metric rename fails `tsc` instead of silently muting an alert.
 */
import type { Severity } from "./entities.ts";
import { metrics as m } from "./metrics.ts";

/** What an alert is about; decides its identifying labels and the trap's varbinds. */
export type AlertSubject = "group" | "journal" | "site" | "link" | "source" | "collector";

/** Unit of the alert's value, which decides how it is printed and whether it fills the seconds varbinds. */
export type ValueUnit = "seconds" | "bytes" | "ratio" | "boolean" | "count";

export interface AlertDef {
  /** CamelCase, unique; also the MIB notification name after the `rpowatch` prefix. */
  name: string;
  subject: AlertSubject;
  severity: Severity;
  /** PromQL; its value is the alert's value. */
  expr: string;
  /** Prometheus duration the condition must hold before the alert fires. */
  for: string;
  /**
   * The `for` is a grace period that belongs to the alert's meaning, not a detection delay:
   * `embedded.alertFor` (short delays for tests and demos) leaves it as it is.
   */
  forIsGracePeriod?: true;
  valueUnit: ValueUnit;
  /**
   * The threshold the value is compared with: a constant, or a PromQL expression over one
   * metric of the same subject, looked up for the alert's own labels.
   */
  threshold: number | { metric: string; factor: number };
  summary: string;
  /**
   * May use `{{ $labels.NAME }}`, `{{ $value }}` and `{{ if $labels.NAME }}…{{ else }}…{{ end }}`
   * (the first text when the label is set); the generators print the value per valueUnit.
   */
  description: string;
  /** Stable sub-identifier under rpowatchNotifications; never reused. */
  oid: number;
  /**
   * Alerts a firing instance of this one suppresses where they share its subject's labels (see
   * INHIBITIONS): Alertmanager's inhibit rules and the built-in evaluator both follow this list.
   */
  inhibits?: readonly string[];
}

const def = <const A extends AlertDef>(a: A): A => a;

/** Labels that identify the subject of an alert: its entity's labels (model/metrics.ts ENTITY_LABELS). */
export const SUBJECT_LABELS: Record<AlertSubject, readonly string[]> = {
  group: ["tenant", "site", "group", "source"],
  journal: ["tenant", "site", "group", "source"],
  site: ["tenant", "site", "source"],
  link: ["tenant", "site", "link", "source"],
  source: ["source", "kind"],
  collector: ["job", "instance"],
};

const SYNCING_STATE = `${m.groupState.name}{state=~"initializing|resyncing"} == 1`;
const BY_GROUP = "on(tenant, site, group, source)";
const DAY = 86400;

/**
 * JournalFillingUp's forecast (the rule, and the built-in check through the collector's memory):
 * the size a full protection window will reach within a day is today's highest plus the growth
 * since the same time the day before. A workload's daily cycle makes a full window grow every
 * morning and shrink every evening: a linear forecast of the morning's rise passes capacity
 * though the evening undoes it, while the day's peak and the day-over-day growth carry the cycle
 * as it is. So the alert needs one cycle of history; that also leaves behind the one-time rise
 * of a young journal's bytes per change (undo records of never-written blocks carry no payload,
 * docs/journal.md: 180 -> 300 MiB a full window within ~30 min on the default stack).
 */
export const JOURNAL_CYCLE_SECONDS = DAY;
/**
 * Bytes one full protection window takes at the journal's present fill (collector/derive/journal.ts),
 * recorded so that the forecast's day of it is a plain range: a subquery of the division over a day
 * loads every sample of both series at every step.
 */
export const FULL_WINDOW_RECORD = {
  record: `journal:${m.journalUsed.name}:per_window_ratio`,
  expr: `${m.journalUsed.name} / (${m.journalWindowRatio.name} > 0)`,
} as const;
const CYCLE = `${JOURNAL_CYCLE_SECONDS / 3600}h`;
const FULL_WINDOW = FULL_WINDOW_RECORD.record;
const FULL_WINDOW_FORECAST = `max_over_time(${FULL_WINDOW}[${CYCLE}]) + ${FULL_WINDOW} - ${FULL_WINDOW} offset ${CYCLE}`;
/** How long JournalCorruptRecords stays up after the corrupt-record counter last rose. */
export const CORRUPT_WINDOW = "1h";

/** Every rpowatch alert. Keys are stable; add new alerts with new OIDs, never renumber. */
export const alerts = {
  rpoThresholdExceeded: def({
    name: "RpoThresholdExceeded",
    subject: "group",
    severity: "critical",
    expr: `${m.groupRpo.name} > ${m.groupRpoTarget.name}`,
    for: "5m",
    valueUnit: "seconds",
    threshold: { metric: m.groupRpoTarget.name, factor: 1 },
    summary: "RPO of group {{ $labels.group }} at site {{ $labels.site }} exceeds its target",
    description:
      "Group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) has {{ $value }} s of data at risk, more than its RPO target. A failover now would lose more data than the business accepts.",
    oid: 1,
    inhibits: ["RpoApproaching"],
  }),
  rpoApproaching: def({
    name: "RpoApproaching",
    subject: "group",
    severity: "warning",
    expr: `${m.groupRpo.name} > 0.8 * ${m.groupRpoTarget.name}`,
    for: "5m",
    valueUnit: "seconds",
    threshold: { metric: m.groupRpoTarget.name, factor: 0.8 },
    summary: "RPO of group {{ $labels.group }} at site {{ $labels.site }} is above 80% of its target",
    description:
      "Group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) has {{ $value }} s of data at risk, above 80% of its RPO target.",
    oid: 2,
  }),
  rpoAtRisk: def({
    name: "RpoAtRisk",
    subject: "group",
    severity: "warning",
    expr: `${m.groupRpoAtRisk.name} == 1`,
    for: "10m",
    valueUnit: "boolean",
    threshold: 1,
    summary: "RPO of group {{ $labels.group }} at site {{ $labels.site }} is forecast to breach its target",
    description:
      "The backlog of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) will not drain before the RPO passes its target, or it is not draining at all.",
    oid: 3,
  }),
  replicationStalled: def({
    name: "ReplicationStalled",
    subject: "group",
    severity: "critical",
    expr: `sum by(tenant, site, group, source) (${m.groupBacklogBytes.name}) > 0 and ${BY_GROUP} ${m.groupDrainRate.name} == 0`,
    for: "10m",
    valueUnit: "bytes",
    threshold: 0,
    summary: "Replication of group {{ $labels.group }} at site {{ $labels.site }} makes no progress",
    description:
      "Group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) has {{ $value }} bytes pending and nothing reaches the recovery site.",
    oid: 4,
  }),
  backlogGrowing: def({
    name: "BacklogGrowing",
    subject: "group",
    severity: "warning",
    expr: `avg_over_time(${m.groupChangeRate.name}[30m]) - ${BY_GROUP} avg_over_time(${m.groupDrainRate.name}[30m]) > 0`,
    for: "3h",
    valueUnit: "bytes",
    threshold: 0,
    summary: "Backlog of group {{ $labels.group }} at site {{ $labels.site }} keeps growing",
    description:
      "For 3 hours, group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) changed faster than the recovery site drained it, by {{ $value }} bytes per second on average.",
    oid: 5,
  }),
  linkDown: def({
    name: "LinkDown",
    subject: "link",
    severity: "critical",
    // On the state set, not on link_up: a link whose state is unknown (its source stale) is not known to be up.
    expr: `max without(state) (${m.linkState.name}{state="up"}) == 0`,
    for: "2m",
    valueUnit: "boolean",
    threshold: 1,
    summary: "Replication link {{ $labels.link }} at site {{ $labels.site }} is not up",
    description:
      "Link {{ $labels.link }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) is not connected, or its state is unknown; RPO grows for every group that uses it.",
    oid: 6,
  }),
  bandwidthSaturated: def({
    name: "BandwidthSaturated",
    subject: "link",
    severity: "warning",
    expr: `avg_over_time(${m.linkUtilization.name}[1h]) > 0.9`,
    for: "15m",
    valueUnit: "ratio",
    threshold: 0.9,
    summary: "Replication link {{ $labels.link }} at site {{ $labels.site }} uses over 90% of its limit",
    description:
      "Link {{ $labels.link }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) averaged {{ $value }} of its bandwidth limit over the last hour; peaks will be clipped and RPO will grow.",
    oid: 7,
  }),
  journalFillingUp: def({
    name: "JournalFillingUp",
    subject: "journal",
    severity: "warning",
    // What is forecast is the size of one full protection window (used / window ratio), not the
    // bytes used: a journal that trims by age fills for one window after a start and then levels
    // off, and its used bytes grow through the fill-up while a full window's size stays flat.
    expr: `${FULL_WINDOW_FORECAST} > ${m.journalCapacity.name}`,
    for: "15m",
    valueUnit: "bytes",
    threshold: { metric: m.journalCapacity.name, factor: 1 },
    summary: "Journal of group {{ $labels.group }} at site {{ $labels.site }} will be full within 24 hours",
    description:
      "At the last day's peak plus its growth since the same time the day before, a full protection window of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) takes {{ $value }} bytes of journal within 24 hours, past its capacity; history will then be trimmed for space.",
    oid: 8,
  }),
  protectionWindowShort: def({
    name: "ProtectionWindowShort",
    subject: "journal",
    severity: "warning",
    expr: `${m.journalWindowRatio.name} < 0.85 unless ${BY_GROUP} (${SYNCING_STATE})`,
    for: "15m",
    valueUnit: "ratio",
    threshold: 0.85,
    summary: "Protection window of group {{ $labels.group }} at site {{ $labels.site }} is below 85% of the policy",
    description:
      "The journal of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) covers {{ $value }} of the required protection window.",
    oid: 9,
  }),
  protectionWindowCritical: def({
    name: "ProtectionWindowCritical",
    subject: "journal",
    severity: "critical",
    expr: `${m.journalWindowRatio.name} < 0.75 unless ${BY_GROUP} (${SYNCING_STATE})`,
    for: "15m",
    valueUnit: "ratio",
    threshold: 0.75,
    summary: "Protection window of group {{ $labels.group }} at site {{ $labels.site }} is below 75% of the policy",
    description:
      "The journal of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) covers only {{ $value }} of the required protection window; older recovery points are gone.",
    oid: 10,
    inhibits: ["ProtectionWindowShort"],
  }),
  sourceBitmapMode: def({
    name: "SourceBitmapMode",
    subject: "group",
    severity: "critical",
    expr: `${m.groupState.name}{state="bitmap"} == 1`,
    for: "1m",
    valueUnit: "boolean",
    threshold: 1,
    summary: "Group {{ $labels.group }} at site {{ $labels.site }} fell into bitmap mode",
    description:
      "The source of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) tracks only changed regions: no new recovery points are made and a resync must follow.",
    oid: 11,
  }),
  resyncRequired: def({
    name: "ResyncRequired",
    subject: "group",
    severity: "warning",
    expr: `${m.groupResyncRequired.name} == 1`,
    for: "30m",
    valueUnit: "boolean",
    threshold: 1,
    summary: "Group {{ $labels.group }} at site {{ $labels.site }} needs a resync",
    description:
      "Group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) has needed a resync for 30 minutes (after bitmap mode, a resize or a divergence).",
    oid: 12,
  }),
  initialSyncStalled: def({
    name: "InitialSyncStalled",
    subject: "group",
    severity: "warning",
    expr: `${m.groupSyncProgress.name} and ${BY_GROUP} (${SYNCING_STATE}) and ${BY_GROUP} changes(${m.groupSyncProgress.name}[30m]) == 0`,
    for: "5m",
    valueUnit: "ratio",
    threshold: 0,
    summary: "Sync of group {{ $labels.group }} at site {{ $labels.site }} is not progressing",
    description:
      "The initial sync or resync of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) has stayed at {{ $value }} for over 30 minutes.",
    oid: 13,
  }),
  consistencyPointStale: def({
    name: "ConsistencyPointStale",
    subject: "group",
    severity: "warning",
    expr: `time() - ${m.groupLastBookmark.name} > 2 * ${m.groupBookmarkInterval.name} and ${m.groupBookmarkInterval.name} > 0`,
    for: "5m",
    valueUnit: "seconds",
    threshold: { metric: m.groupBookmarkInterval.name, factor: 2 },
    summary: "No consistency point for group {{ $labels.group }} at site {{ $labels.site }} within twice its interval",
    description:
      "The newest bookmark of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) is {{ $value }} s old; application-consistent recovery is that far behind.",
    oid: 14,
  }),
  sourceDown: def({
    name: "SourceDown",
    subject: "source",
    severity: "critical",
    expr: `${m.sourceUp.name} == 0`,
    // Short enough that a dead site pages within 30 s on both paths (alerts/paging-budget.ts), long
    // enough to ride out one failed poll: a killed engine is marked down at once (its stream closes).
    for: "10s",
    valueUnit: "boolean",
    threshold: 1,
    summary: "Collector cannot read source {{ $labels.source }}",
    description:
      "The last collections from source {{ $labels.source }} ({{ $labels.kind }}) failed; everything it reports is stale.",
    oid: 15,
    // A dead source makes every group and link it reports unknown: one page for the source, not one per entity.
    inhibits: ["GroupStateUnknown", "LinkDown"],
  }),
  sourceDataStale: def({
    name: "SourceDataStale",
    subject: "source",
    severity: "warning",
    expr: `${m.sourceDataAge.name} > 30`,
    for: "1m",
    valueUnit: "seconds",
    threshold: 30,
    summary: "Data from source {{ $labels.source }} is stale",
    description:
      "The newest data from source {{ $labels.source }} ({{ $labels.kind }}) is {{ $value }} s old; engines send heartbeats every second, so the values shown are not current.",
    oid: 16,
  }),
  collectorTargetAbsent: def({
    name: "CollectorTargetAbsent",
    subject: "collector",
    severity: "critical",
    expr: `absent(up{job="rpowatch"}) or up{job="rpowatch"} == 0`,
    for: "2m",
    valueUnit: "boolean",
    threshold: 1,
    summary: "Prometheus cannot scrape the rpowatch collector",
    description:
      "The rpowatch scrape target is missing or down; no replication alert can fire until it is back. Instance: {{ $labels.instance }}.",
    oid: 17,
  }),
  journalOverAllocated: def({
    name: "JournalOverAllocated",
    subject: "site",
    severity: "warning",
    expr: `sum by(tenant, site, source) (${m.journalCapacity.name}) > max by(tenant, site, source) (${m.journalStoreCapacity.name})`,
    for: "15m",
    valueUnit: "bytes",
    threshold: { metric: m.journalStoreCapacity.name, factor: 1 },
    summary: "Journals at site {{ $labels.site }} are allotted more space than the store holds",
    description:
      "The journals at site {{ $labels.site }} (tenant {{ $labels.tenant }}) are allotted {{ $value }} bytes in total, more than their store's capacity; they cannot all reach their limits.",
    oid: 18,
  }),
  drTestOverdue: def({
    name: "DrTestOverdue",
    subject: "group",
    severity: "warning",
    // Two branches: a drill on record more than 31 days old, or no drill on record at all (the
    // timestamp is absent, not 0), labelled last_test="never" with the value +Inf; a group whose
    // state is unknown is left out, its record may be missing only because its source is.
    expr: `time() - ${m.groupLastTestFailover.name} > ${31 * DAY} or label_replace(max without(state) (${m.groupState.name}{state!="unknown"} == 1) unless ${BY_GROUP} ${m.groupLastTestFailover.name}, "last_test", "never", "", "") * 0 + Inf`,
    // A new group gets an hour to have a drill recorded before "never tested" is raised.
    for: "1h",
    forIsGracePeriod: true,
    valueUnit: "seconds",
    threshold: 31 * DAY,
    summary:
      "Group {{ $labels.group }} at site {{ $labels.site }} {{ if $labels.last_test }}has never been tested{{ else }}has had no successful DR test in 31 days{{ end }}",
    description:
      "{{ if $labels.last_test }}Group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) was never tested: no test failover is on record{{ else }}The last successful test failover of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) was {{ $value }} s ago{{ end }}; drills are due monthly.",
    oid: 19,
  }),
  groupStateUnknown: def({
    name: "GroupStateUnknown",
    subject: "group",
    severity: "critical",
    expr: `${m.groupState.name}{state="unknown"} == 1`,
    for: "30s",
    valueUnit: "boolean",
    threshold: 1,
    summary: "State of group {{ $labels.group }} at site {{ $labels.site }} is unknown",
    description:
      "No current report of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) comes from source {{ $labels.source }}: it is down or stale, or reports the state as unknown. The RPO shown is a lower bound; treat the group as unprotected until the source reports again.",
    oid: 20,
  }),
  historyBufferFilling: def({
    name: "HistoryBufferFilling",
    subject: "collector",
    severity: "warning",
    expr: `${m.historyBufferedPoints.name} / ${m.historyBufferCapacity.name} > 0.8`,
    for: "5m",
    valueUnit: "ratio",
    threshold: 0.8,
    summary: "The history buffer is over 80% full",
    description:
      "The history store has not taken points for a while: the on-disk buffer of {{ $labels.instance }} holds {{ $value }} of its bound. Once it is full, new history points are dropped and the monthly report will show gaps.",
    oid: 21,
  }),
  testFailoverScratchNearlyFull: def({
    name: "TestFailoverScratchNearlyFull",
    subject: "group",
    severity: "warning",
    expr: `${m.groupScratchUsed.name} / ${m.groupScratchCapacity.name} > 0.8`,
    for: "1m",
    valueUnit: "ratio",
    threshold: 0.8,
    summary: "The test failover of group {{ $labels.group }} has filled over 80% of its scratch area",
    description:
      "The running test failover of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) has written {{ $value }} of its scratch area, the group's image-access share of the journal; once full, the test's writes are refused with ENOSPC.",
    oid: 22,
  }),
  journalCorruptRecords: def({
    name: "JournalCorruptRecords",
    subject: "journal",
    severity: "critical",
    // Any increase: a record that fails its checksum is damage, not noise. The hour is how long
    // the alert stays up after the last increase; the damage itself stays until it is repaired.
    expr: `increase(${m.journalCorruptRecords.name}[${CORRUPT_WINDOW}]) > 0`,
    for: "0s",
    valueUnit: "count",
    threshold: 0,
    summary: "Journal of group {{ $labels.group }} at site {{ $labels.site }} has corrupt records",
    description:
      "{{ $value }} record(s) of the journal of group {{ $labels.group }} (tenant {{ $labels.tenant }}, site {{ $labels.site }}) failed their checksum in the last hour and were never applied: a redo record not yet distributed stops distribution before it, a lost undo record moves the oldest recovery point past it. The journal's storage or the transfer is damaged.",
    oid: 23,
  }),
  failedOverUnprotected: def({
    name: "FailedOverUnprotected",
    subject: "group",
    severity: "warning",
    expr: `${m.groupFailover.name}{phase="promoted"} == 1`,
    // A failover is an operator's act; the hour is the time to reprotect before it is a finding.
    for: "1h",
    forIsGracePeriod: true,
    valueUnit: "boolean",
    threshold: 1,
    summary: "Group {{ $labels.group }} failed over to site {{ $labels.site }} over an hour ago and is not reprotected",
    description:
      "Group {{ $labels.group }} (tenant {{ $labels.tenant }}) is served writable at site {{ $labels.site }} after a failover and is replicated nowhere: every write made there is at risk until the group is reprotected or failed back.",
    oid: 24,
  }),
} as const satisfies Record<string, AlertDef>;

export type AlertKey = keyof typeof alerts;
export const ALERT_LIST: readonly AlertDef[] = Object.values(alerts);

/** One inhibition: a firing `source` alert mutes the `target` alert that has the same values of `equal`. */
export interface Inhibition {
  source: AlertDef;
  target: AlertDef;
  /** The labels the two subjects have in common (SUBJECT_LABELS): a source's alert mutes its groups' by `source`. */
  equal: readonly string[];
}

export function inhibitionsOf(list: readonly AlertDef[]): Inhibition[] {
  return list.flatMap((source) =>
    (source.inhibits ?? []).map((name) => {
      const target = list.find((a) => a.name === name);
      if (!target) throw new Error(`alert ${source.name} inhibits ${name}, which is not in the catalogue`);
      const equal = SUBJECT_LABELS[source.subject].filter((l) => SUBJECT_LABELS[target.subject].includes(l));
      // Without a shared label, one firing instance would mute the target everywhere.
      if (equal.length === 0)
        throw new Error(`alert ${source.name} inhibits ${name}, but their subjects share no label`);
      return { source, target, equal };
    }),
  );
}

/** Every inhibition of the catalogue, checked when the module loads. */
export const INHIBITIONS: readonly Inhibition[] = inhibitionsOf(ALERT_LIST);

/** Enterprise number 32473 is reserved by IANA for documentation and examples (RFC 5612). */
export const ENTERPRISE_OID = "1.3.6.1.4.1.32473";
/** The MIB module itself sits at the enterprise arc (an intermediate arc would be an implicit node). */
export const MIB_ROOT_OID = ENTERPRISE_OID;
export const NOTIFICATIONS_OID = `${MIB_ROOT_OID}.0`;
export const OBJECTS_OID = `${MIB_ROOT_OID}.1`;

export function notificationOid(alert: AlertDef): string {
  return `${NOTIFICATIONS_OID}.${alert.oid}`;
}

/** docs/runbooks.md anchor of an alert: its name in lower case, as GitHub renders `## Name`. */
export function runbookAnchor(alert: AlertDef): string {
  return alert.name.toLowerCase();
}

export const RUNBOOK_BASE_URL = "https://github.com/rpowatch/rpowatch/blob/main/docs/runbooks.md";

export function runbookUrl(alert: AlertDef): string {
  return `${RUNBOOK_BASE_URL}#${runbookAnchor(alert)}`;
}
