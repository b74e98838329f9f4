/**
 * Prometheus rule file generated from the catalogue: recording rules named level:metric:operations
 * (dashboards and the monthly compliance report read them) and one alerting rule per alert.
 */
import { ALERT_LIST, type AlertDef, FULL_WINDOW_RECORD } from "../model/alerts.ts";
import { metrics as m } from "../model/metrics.ts";
import { annotationTemplates, staticLabels } from "./templates.ts";

export interface RuleOptions {
  /** Replaces every alert's `for` (end-to-end tests use seconds instead of minutes). */
  forOverride?: string;
}

const GROUP = "tenant, site, group";

export const RECORDING_RULES = [
  {
    record: `group:${m.groupRpoTargetRatio.name}:max`,
    expr: `max by(${GROUP}) (${m.groupRpoTargetRatio.name})`,
  },
  {
    record: `group:${m.groupBacklogBytes.name}:sum`,
    expr: `sum by(${GROUP}) (${m.groupBacklogBytes.name})`,
  },
  {
    // 1 while the group meets its target, so its average over a period is the compliance ratio.
    record: "group:rpowatch_group_rpo_within_target:bool",
    expr: `max by(${GROUP}) (${m.groupRpoTargetRatio.name}) <= bool 1`,
  },
  {
    record: "group:rpowatch_group_rpo_within_target:ratio_avg30d",
    expr: "avg_over_time(group:rpowatch_group_rpo_within_target:bool[30d])",
  },
  {
    record: `site:${m.journalUsed.name}:sum`,
    expr: `sum by(tenant, site) (${m.journalUsed.name})`,
  },
  FULL_WINDOW_RECORD,
] as const;

function alertingRule(alert: AlertDef, opts: RuleOptions) {
  return {
    alert: alert.name,
    expr: alert.expr,
    for: opts.forOverride ?? alert.for,
    labels: staticLabels(alert),
    annotations: annotationTemplates(alert),
  };
}

/** The rule groups, in the order an evaluation must see them: alerts read recorded series. */
export const RULE_GROUPS = ["rpowatch.recording", "rpowatch.alerts"] as const;

export function buildRules(opts: RuleOptions = {}) {
  const [recording, alerting] = RULE_GROUPS;
  return {
    groups: [
      { name: recording, rules: RECORDING_RULES },
      { name: alerting, rules: ALERT_LIST.map((a) => alertingRule(a, opts)) },
    ],
  };
}
