/**
 * The alert texts in both forms: as Go templates for Prometheus rules, and expanded in-process for
 * the built-in evaluator. Both come from the same catalogue strings, and the promtool tests compare
 * Prometheus' expansion with ours, so the two paths cannot drift apart.
 */
import { type AlertDef, notificationOid, runbookUrl, SUBJECT_LABELS, type ValueUnit } from "../model/alerts.ts";

/** Digits after the decimal point per unit: whole seconds, bytes and counts, ratios to two places. */
const DECIMALS: Record<ValueUnit, number> = { seconds: 0, bytes: 0, boolean: 0, count: 0, ratio: 2 };

const valueTemplate = (unit: ValueUnit) => `{{ printf "%.${DECIMALS[unit]}f" $value }}`;

/** As Go's printf "%.Nf" prints it: infinities as +Inf and -Inf (e.g. "never tested" is +Inf seconds). */
export function formatValue(unit: ValueUnit, value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return value.toFixed(DECIMALS[unit]);
}

/** `{{ if $labels.NAME }}A{{ else }}B{{ end }}`, the one conditional the catalogue's texts use. */
const IF_LABEL = /\{\{ if \$labels\.(\w+) \}\}(.*?)\{\{ else \}\}(.*?)\{\{ end \}\}/g;

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

/**
 * An alert text for readers of the MIB and docs, where nothing is expanded: labels as `<name>`,
 * a conditional as its usual text with the other in brackets ("… in 31 days (or: has never …)").
 */
export function textOutline(text: string): string {
  return text
    .replace(IF_LABEL, (_, _name: string, set: string, unset: string) => `${unset} (or: ${set})`)
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, "<$1>");
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
      .replace(IF_LABEL, (_, name: string, set: string, unset: string) => (labels[name] ? set : unset))
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
