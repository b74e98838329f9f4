/**
 * Runs generated dashboard queries against a real Prometheus the way Grafana would: resolve each
 * variable's label_values in order and take its first (Grafana's default) or last sorted value,
 * substitute Grafana's interval macros, then run each target as the instant or range query it declares.
 */
import type { PromQueryApi } from "../support/prom-api.ts";
import { contentPanels, type DashboardJson } from "./dashboard-lint.ts";

/** Values for Grafana's built-in macros, matching a 1 s scrape interval and a short test window. */
export const MACROS: Record<string, string> = {
  __rate_interval: "10s",
  __interval: "1s",
  __range: "5m",
};

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => values[name] ?? whole);
}

/** Which of a variable's sorted values to select. */
export type Pick = "first" | "last";

/** The picked sorted value of each query variable; fails when a variable has no values. */
export async function resolveVariables(
  d: DashboardJson,
  prom: PromQueryApi,
  pick: Pick = "first",
): Promise<Record<string, string>> {
  const values: Record<string, string> = { ...MACROS };
  for (const v of d.templating.list) {
    if (v.type !== "query") continue;
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(String(v.query));
    if (!m) throw new Error(`${d.uid} $${v.name}: not a label_values query: ${v.query}`);
    const [, selector, label] = m as unknown as [string, string, string];
    const result = await prom.query(`group by (${label}) (${substitute(selector, values)})`);
    const found = result
      .map((r) => r.metric[label])
      .filter((x): x is string => Boolean(x))
      .sort();
    if (found.length === 0) throw new Error(`${d.uid} $${v.name}: no values for ${v.query}`);
    values[v.name] = escapeRegex((pick === "first" ? found[0] : found[found.length - 1])!);
  }
  return values;
}

export interface PanelResult {
  title: string;
  /** Targets that returned no series, as substituted PromQL. */
  empty: string[];
}

export async function runPanels(
  d: DashboardJson,
  prom: PromQueryApi,
  windowSeconds: number,
  pick: Pick = "first",
): Promise<PanelResult[]> {
  const values = await resolveVariables(d, prom, pick);
  const end = new Date();
  const start = new Date(end.getTime() - windowSeconds * 1000);
  const results: PanelResult[] = [];
  for (const panel of contentPanels(d)) {
    const empty: string[] = [];
    for (const target of panel.targets ?? []) {
      const expr = substitute(target.expr ?? "", values);
      const instant = (target as { instant?: boolean }).instant === true;
      const series = instant ? await prom.query(expr) : await prom.queryRange(expr, start, end, 1);
      const hasData = series.some((s) => s.value !== undefined || (s.values?.length ?? 0) > 0);
      if (!hasData) empty.push(expr);
    }
    results.push({ title: panel.title ?? "", empty });
  }
  return results;
}
