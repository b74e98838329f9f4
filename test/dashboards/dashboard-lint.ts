/**
 * Harvest-style lint over generated dashboard JSON (anchors.md §1): returns every problem found so a
 * test can print them all at once.
 */
import { DATASOURCE_UID } from "../../dashboards/datasource.ts";

export interface Target {
  expr?: string;
  query?: string;
  datasource?: { type?: string; uid?: string };
}

export interface Panel {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Target[];
  links?: Array<{ url?: string }>;
}

export interface Variable {
  type: string;
  name: string;
  query?: unknown;
  datasource?: { uid?: string };
  sort?: number;
  refresh?: number;
}

export interface DashboardJson {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: Variable[] };
}

const DATASOURCE_VAR = DATASOURCE_UID;
/** A fixed range in a range vector or subquery, e.g. `[1m]`: breaks with scrape intervals, use `$__rate_interval`. */
const FIXED_RANGE = /\[\s*\d+[smhdwy]\s*(?::[^\]]*)?\]/;

export const contentPanels = (d: DashboardJson): Panel[] => d.panels.filter((p) => p.type !== "row");

export function lintDashboard(d: DashboardJson): string[] {
  const problems: string[] = [];
  const where = (p: Panel) => `${d.uid} panel ${p.id} "${p.title}"`;
  const ids = d.panels.map((p) => p.id);
  for (const id of new Set(ids)) {
    if (id === undefined) problems.push(`${d.uid}: panel without id`);
    else if (ids.filter((x) => x === id).length > 1) problems.push(`${d.uid}: panel id ${id} is not unique`);
  }
  for (const p of contentPanels(d)) {
    if (!p.fieldConfig?.defaults?.unit) problems.push(`${where(p)}: no unit`);
    if (!p.description?.trim()) problems.push(`${where(p)}: no description`);
    if (p.datasource?.uid !== DATASOURCE_VAR) problems.push(`${where(p)}: datasource not by variable`);
    if (!p.targets?.length) problems.push(`${where(p)}: no query`);
    for (const t of p.targets ?? []) {
      if (t.datasource?.uid !== DATASOURCE_VAR) problems.push(`${where(p)}: target datasource not by variable`);
      const text = t.expr ?? t.query ?? "";
      if (!text.trim()) problems.push(`${where(p)}: empty query`);
      if (FIXED_RANGE.test(text)) problems.push(`${where(p)}: fixed range in "${text}", use $__rate_interval`);
    }
    for (const link of p.links ?? []) {
      if (!link.url?.startsWith("https://")) problems.push(`${where(p)}: link without https URL`);
    }
  }
  for (const v of d.templating.list) {
    if (v.type !== "query") continue;
    if (v.datasource?.uid !== DATASOURCE_VAR) problems.push(`${d.uid} $${v.name}: datasource not by variable`);
    if (!v.sort) problems.push(`${d.uid} $${v.name}: not sorted`);
    if (v.refresh !== 2) problems.push(`${d.uid} $${v.name}: does not refresh on time range change`);
  }
  return problems;
}
