/**
 * The alert texts in both forms: as Go templates for Prometheus rules, and expanded in-process for
 * the built-in evaluator. Both come from the same catalogue strings, and the promtool tests compare
 * Prometheus' expansion with ours, so the two paths cannot drift apart.
 */
import { type AlertDef, notificationOid, runbookUrl, SUBJECT_LABELS, type ValueUnit } from "../model/alerts.ts";

/** Digits after the decimal point per unit: whole seconds and bytes, ratios to two places. */
const DECIMALS: Record<ValueUnit, number> = { seconds: 0, bytes: 0, boolean: 0, ratio: 2 };

const valueTemplate = (unit: ValueUnit) => `{{ printf "%.${DECIMALS[unit]}f" $value }}`;

export function formatValue(unit: ValueUnit, value: number): string {
  return value.toFixed(DECIMALS[unit]);
}

/** The threshold is printed with the same precision as the value it is compared with. */
function thresholdTemplate(alert: AlertDef): string {
  const t = alert.threshold;
  if (typeof t === "number") return formatValue(alert.valueUnit, t);
  const labels = SUBJECT_LABELS[alert.subject];
  const selector = `${t.metric}{${labels.map((l) => `${l}=%q`).join(",")}}`;
  const query = t.factor === 1 ? selector : `${t.factor} * ${selector}`;
  const args = labels.map((l) => `$labels.${l}`).join(" ");
  return `{{ with printf "${query}" ${args} | query }}{{ . | first | value | printf "%.${DECIMALS[alert.valueUnit]}f" }}{{ end }}`;
}

/** Labels every rule adds to its alerts. */
export function staticLabels(alert: AlertDef): Record<string, string> {
  return { severity: alert.severity, oid: notificationOid(alert) };
}

/** Annotations as Prometheus templates (rules file). */
export function annotationTemplates(alert: AlertDef): Record<string, string> {
  const v = valueTemplate(alert.valueUnit);
  return {
    summary: alert.summary,
    description: alert.description.replaceAll("{{ $value }}", v),
    value: v,
    threshold: thresholdTemplate(alert),
    runbook_url: runbookUrl(alert),
  };
}

/** Annotations expanded for one alert instance, as Prometheus would render the templates above. */
export function expandAnnotations(
  alert: AlertDef,
  labels: Readonly<Record<string, string>>,
  value: number,
  threshold: number,
): Record<string, string> {
  const expand = (text: string) =>
    text
      .replaceAll("{{ $value }}", formatValue(alert.valueUnit, value))
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? "");
  return {
    summary: expand(alert.summary),
    description: expand(alert.description),
    value: formatValue(alert.valueUnit, value),
    threshold: formatValue(alert.valueUnit, threshold),
    runbook_url: runbookUrl(alert),
  };
}
