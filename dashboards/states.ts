/**
 * State sets (one series per state, 1 for the current one) folded into a single code series for
 * state timelines: state i of the catalogue's list becomes value i+1, mapped back to its name by the
 * panel's value mappings (factory `states`).
 */
import type { FailoverPhase, GroupState, LinkState } from "../model/entities.ts";
import type { MetricDef } from "../model/metrics.ts";
import { type ScopeVariable, selector } from "./query.ts";

export function stateCodeExpr(
  metric: MetricDef,
  states: readonly string[],
  scope: readonly ScopeVariable[],
  by: readonly string[],
  /** The label naming the state (`phase` for a failover). */
  label = "state",
): string {
  // `or` keeps every state's series (their label sets differ by the state label); only the current one is 1.
  const terms = states.map((s, i) => `(${selector(metric, scope, { [label]: s })} * ${i + 1})`);
  return `sum by (${by.join(", ")}) (${terms.join(" or ")})`;
}

export type StateName = GroupState | LinkState | FailoverPhase;

/**
 * Colour of each state in the value mappings. `unknown` (the source is down or stale) has a colour
 * of its own, neither healthy green nor failed red: it is not a measurement.
 */
export const STATE_COLOURS = {
  initializing: "blue",
  resyncing: "blue",
  active: "green",
  paused: "yellow",
  bitmap: "red",
  error: "red",
  up: "green",
  connecting: "yellow",
  down: "red",
  unknown: "purple",
  // Served from the recovery site and not replicated: neither healthy nor broken.
  "failed-over": "orange",
  // A failover's phases: none is the normal case; the others are the failed-over group's two sites.
  none: "green",
  promoting: "orange",
  promoted: "orange",
  fenced: "orange",
} as const satisfies Record<StateName, string>;
