/** docs/alerts.md: the catalogue as a table, generated so it cannot drift from model/alerts.ts. */
import { ALERT_LIST, type AlertDef, alerts, INHIBITIONS, notificationOid } from "../model/alerts.ts";
import { notificationName } from "./mib.ts";
import { CRITICAL_GROUP_WAIT, PAGE_WITHIN_SECONDS, PROMETHEUS_TIMINGS } from "./paging-budget.ts";
import { RECORDING_RULES } from "./rules.ts";
import { textOutline } from "./templates.ts";

const cell = (text: string) => textOutline(text).replaceAll("|", "\\|");

function threshold(a: AlertDef): string {
  const t = a.threshold;
  if (typeof t === "number") return String(t);
  return t.factor === 1 ? `\`${t.metric}\`` : `${t.factor} x \`${t.metric}\``;
}

export function buildAlertsDoc(): string {
  const rows = ALERT_LIST.map(
    (a) =>
      `| [${a.name}](runbooks.md#${a.name.toLowerCase()}) | ${a.severity} | \`${cell(a.expr)}\` | ${a.for} | ${threshold(a)} | ${cell(a.summary)} | \`${notificationName(a)}\` ${notificationOid(a)} |`,
  );
  return [
    "# Alert catalogue",
    "",
    "Generated from model/alerts.ts by `rpowatch alerts docs --out docs/alerts.md`; do not edit by hand.",
    "The same catalogue produces the Prometheus rules, their promtool tests, the Alertmanager",
    "configuration and RPOWATCH-MIB (`rpowatch alerts build --out generated/alerts`), and the built-in",
    "evaluator runs it in-process. Every alert carries `severity` and `oid` labels and the annotations",
    "`summary`, `description`, `value`, `threshold` and `runbook_url`; resolved notifications are sent.",
    "Each delivery is counted once in `rpowatch_notifications_total{channel,destination,result}`; every",
    "configured trap receiver and mail server is exported at 0 for `sent` and `failed` from the start.",
    "",
    "| Alert | Severity | Expression | For | Threshold | Summary | SNMP notification |",
    "|---|---|---|---|---|---|---|",
    ...rows,
    "",
    "## Recording rules",
    "",
    "`rules.yml` records these series (level:metric:operations) beside the alerts; dashboards, reports",
    "and the alerts above read them.",
    "",
    "| Series | Expression |",
    "|---|---|",
    ...RECORDING_RULES.map((r) => `| \`${r.record}\` | \`${cell(r.expr)}\` |`),
    "",
    "## Time to page",
    "",
    `A site that dies is paged (SourceDown, trap and e-mail) within ${PAGE_WITHIN_SECONDS} s by default, on both paths.`,
    "The collector marks a killed engine's source down at once (its stream closes; a hung one after",
    `the stream's idle timeout). The built-in evaluator then fires after SourceDown's \`for\` (${alerts.sourceDown.for}),`,
    "at its next evaluation (every new snapshot, and every `alerts.evaluator.interval`). On the",
    `Prometheus path, with \`scrape_interval: ${PROMETHEUS_TIMINGS.scrapeInterval}\` and \`evaluation_interval: ${PROMETHEUS_TIMINGS.evaluationInterval}\`, add one scrape`,
    `and one evaluation interval and the critical route's \`group_wait\` (${CRITICAL_GROUP_WAIT}). bench/results/alerts.json`,
    "holds the measured times as ratios to the aim.",
    "",
    "## Inhibitions",
    "",
    "A firing alert mutes another where the labels listed match. The generated Alertmanager",
    "configuration has one inhibit rule per line and the built-in evaluator applies the same list: a",
    "muted alert is not notified and not shown on the NOC page; one notified before it was muted is",
    "resolved when it ends. Labels that must match are those the two subjects have in common.",
    "",
    "| Firing alert | Mutes | Where these labels match |",
    "|---|---|---|",
    ...INHIBITIONS.map((i) => `| ${i.source.name} | ${i.target.name} | ${i.equal.map((l) => `\`${l}\``).join(", ")} |`),
    "",
  ].join("\n");
}
