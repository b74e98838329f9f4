/** docs/alerts.md: the catalogue as a table, generated so it cannot drift from model/alerts.ts. */
import { ALERT_LIST, type AlertDef, INHIBITIONS, notificationOid } from "../model/alerts.ts";
import { notificationName } from "./mib.ts";

const cell = (text: string) => text.replaceAll("|", "\\|").replace(/\{\{ \$labels\.(\w+) \}\}/g, "<$1>");

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
    "",
    "| Alert | Severity | Expression | For | Threshold | Summary | SNMP notification |",
    "|---|---|---|---|---|---|---|",
    ...rows,
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
