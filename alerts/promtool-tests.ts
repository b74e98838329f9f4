/**
 * Turns the hand-written cases of alerts/tests/cases.ts into a `promtool test rules` file, and
 * reports catalogue alerts that lack a firing or a silent check (the build and a test refuse those).
 */
import { type AlertDef, alerts } from "../model/alerts.ts";
import { RULE_GROUPS } from "./rules.ts";
import { expandAnnotations, staticLabels } from "./templates.ts";
import type { AlertTestCase } from "./tests/cases.ts";

function expectedAlerts(alert: AlertDef, instances: AlertTestCase["firing"][number]["instances"]) {
  return instances.map((i) => ({
    exp_labels: { ...i.labels, ...staticLabels(alert) },
    exp_annotations: expandAnnotations(alert, i.labels, i.value, i.threshold),
  }));
}

export function buildPromtoolTests(cases: readonly AlertTestCase[], ruleFile: string) {
  return {
    rule_files: [ruleFile],
    evaluation_interval: "1m",
    // Without it promtool evaluates the groups in an order of its own, which changes from run to
    // run: an alert reading a recorded series would see it one evaluation late in some runs.
    group_eval_order: RULE_GROUPS,
    tests: cases.map((c) => {
      const alert = alerts[c.alert];
      return {
        name: `${alert.name}: ${c.name}`,
        interval: c.interval,
        input_series: c.series,
        alert_rule_test: [
          ...c.firing.map((f) => ({
            eval_time: f.at,
            alertname: alert.name,
            exp_alerts: expectedAlerts(alert, f.instances),
          })),
          ...c.silent.map((at) => ({ eval_time: at, alertname: alert.name, exp_alerts: [] })),
        ],
      };
    }),
  };
}

/** Names of catalogue alerts without a case that sees them fire and a case that sees them silent. */
export function untestedAlerts(cases: readonly AlertTestCase[]): string[] {
  return Object.entries(alerts)
    .filter(([key]) => {
      const own = cases.filter((c) => c.alert === key);
      return !own.some((c) => c.firing.length > 0) || !own.some((c) => c.silent.length > 0);
    })
    .map(([, a]) => a.name);
}
