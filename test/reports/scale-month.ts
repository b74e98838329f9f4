/**
 * History at scale for agreement tests and the reports bench: one tenant's volumes in groups
 * behind one link, one sample per series per minute (30 s past it, as snapshot times fall), with
 * figures that move: each volume writes at its own rate, 50 % faster from the 15th day, with a
 * daily burst at its own minute; each group's RPO wanders below target and breaches it for half
 * an hour on its own day; the link carries half the raw change against its limit.
 */
import type { HistorySample } from "../../history/store.ts";
import { metrics } from "../../model/metrics.ts";

export interface ScaleSpec {
  /** Unix seconds of the first day's midnight (UTC). */
  from: number;
  days: number;
  volumes: number;
  groups: number;
}

const DAY_MINUTES = 1440;
const STEP_DAY = 14;
const BURST_BYTES = 5e8;
const LINK_LIMIT = 4e8;

/** Bytes a volume writes per minute before the step. */
const volumeRate = (v: number) => 1e6 * (1 + (v % 7));
const burstMinute = (v: number) => 600 + (v % 240);

/** A volume's written-bytes counter at minute m (closed form, so any day can be made alone). */
function volumeCounter(v: number, m: number): number {
  const r = volumeRate(v);
  const bursts = m >= burstMinute(v) ? Math.floor((m - burstMinute(v)) / DAY_MINUTES) + 1 : 0;
  return r * m + (r / 2) * Math.max(0, m - STEP_DAY * DAY_MINUTES) + BURST_BYTES * bursts;
}

function groupRpo(g: number, m: number, days: number): number {
  const minuteOfDay = m % DAY_MINUTES;
  const breach = Math.floor(m / DAY_MINUTES) === g % days && minuteOfDay >= 300 && minuteOfDay < 330;
  return breach ? 2400 + minuteOfDay : 5 + ((g * 31 + m * 17) % 60);
}

/** The label objects of every series, made once: stores recognise a series by its label object. */
export function scaleLabels(spec: ScaleSpec) {
  const base = { tenant: "acme", site: "paris", source: "engine-paris" };
  const groups = Array.from({ length: spec.groups }, (_, g) => ({ ...base, group: `g${String(g).padStart(3, "0")}` }));
  const volumes = Array.from({ length: spec.volumes }, (_, v) => ({
    ...groups[v % spec.groups]!,
    volume: `v${String(v).padStart(4, "0")}`,
  }));
  return { groups, volumes, link: { ...base, link: "wan" } };
}

/** The samples of day d (0-based), in time order; `labels` from scaleLabels(spec). */
export function scaleDay(spec: ScaleSpec, d: number, labels = scaleLabels(spec)): HistorySample[] {
  const out: HistorySample[] = [];
  const totalRate = labels.volumes.reduce((sum, _, v) => sum + volumeRate(v), 0);
  for (let m = d * DAY_MINUTES; m < (d + 1) * DAY_MINUTES; m++) {
    const timestamp = spec.from + m * 60 + 30;
    const push = (metric: string, l: Readonly<Record<string, string>>, value: number) =>
      out.push({ metric, labels: l, value, timestamp });
    let raw = 0;
    labels.volumes.forEach((l, v) => {
      const written = volumeCounter(v, m);
      raw += written;
      push(metrics.volumeWrittenBytes.name, l, written);
    });
    labels.groups.forEach((l, g) => {
      push(metrics.groupRpo.name, l, groupRpo(g, m, spec.days));
      push(metrics.groupRpoTarget.name, l, 1800);
      push(metrics.journalWindow.name, l, 90_000 - ((g * 7 + m) % 3600));
      push(metrics.journalWindowTarget.name, l, 86_400);
      push(metrics.journalCapacity.name, l, 4e11);
      push(metrics.journalUtilization.name, l, 0.4 + ((g + m) % 50) / 100);
    });
    const wireRate = (totalRate * (m >= STEP_DAY * DAY_MINUTES ? 1.5 : 1)) / 2;
    push(metrics.linkRawBytes.name, labels.link, raw);
    push(metrics.linkWireBytes.name, labels.link, raw / 2);
    push(metrics.linkLimit.name, labels.link, LINK_LIMIT);
    push(metrics.linkUtilization.name, labels.link, wireRate / 60 / LINK_LIMIT);
    push(metrics.linkUp.name, labels.link, 1);
  }
  return out;
}
