/**
 * A deterministic month of 1-minute history (November 2026, 43,200 minutes) whose every report
 * figure can be worked out by hand. One sample per series per minute, at the minute's start.
 *
 * Tenant acme, production site paris, group erp (volumes db and logs), link wan, source engine-paris:
 * - db writes 1 MB/s (6e7 B a minute) until 2026-11-16T00:00Z, then 2 MB/s (the step);
 *   logs writes 0.5 MB/s all month. Counters start at 0 at the month's first minute.
 * - the link sends half the raw bytes on the wire (compression 2:1), limit 3 MB/s:
 *   wire 0.75 MB/s before the step, 1.25 MB/s after, so utilization 0.25, then 1.25/3.
 * - link outage 2026-11-10 02:00–03:00: link down, nothing sent, group RPO 60 s × (minute + 1);
 *   the backlog (60 × 4.5e7 wire bytes) drains at the limit 03:00–03:20 (1.8e8 wire B a minute,
 *   utilization 1), RPO 3600 − 180 × minute meanwhile. RPO is otherwise 5 s.
 * - a breach without an outage: RPO 2400 s on 2026-11-25 14:00–14:10.
 * - bitmap episode 2026-11-15 09:00–09:20, then resyncing with resync required until 10:00.
 * - journal: capacity 4e11 B, window required 86400 s and held at 90000 s, except 80000 s with
 *   utilization 0.9 on 2026-11-28 06:00–08:00; utilization 0.5 otherwise.
 * - a hole in history: no sample of anything on 2026-11-20 10:00–12:00 (120 minutes).
 * Tenant globex (site lyon, group web, volume www) writes 0.1 MB/s at RPO 1 s: absent from acme's report.
 */
import type { HistorySample } from "../../history/store.ts";
import { GROUP_STATES } from "../../model/entities.ts";
import { metrics } from "../../model/metrics.ts";

export const MONTH = "2026-11";
export const FROM = Date.UTC(2026, 10, 1) / 1000;
export const MINUTES = 30 * 1440;
/** Minute index of a UTC time in November. */
export const at = (day: number, hour: number, minute = 0) => (day - 1) * 1440 + hour * 60 + minute;

export const STEP = at(16, 0);
export const OUTAGE = { start: at(10, 2), end: at(10, 3) };
export const DRAIN = { start: at(10, 3), end: at(10, 3, 20) };
export const BREACH = { start: at(25, 14), end: at(25, 14, 10) };
export const BITMAP = { start: at(15, 9), end: at(15, 9, 20) };
export const RESYNC = { start: at(15, 9, 20), end: at(15, 10) };
export const WINDOW_DIP = { start: at(28, 6), end: at(28, 8) };
export const HOLE = { start: at(20, 10), end: at(20, 12) };

export const LIMIT = 3e6;
export const JOURNAL_CAPACITY = 4e11;
export const REQUIRED_WINDOW = 86400;

const inside = (m: number, r: { start: number; end: number }) => m >= r.start && m < r.end;

/** Raw bytes written in minute m. */
export const dbMinute = (m: number) => (m < STEP ? 6e7 : 1.2e8);
export const logsMinute = () => 3e7;
/** Wire bytes sent in minute m. */
export function wireMinute(m: number): number {
  if (inside(m, OUTAGE)) return 0;
  if (inside(m, DRAIN)) return LIMIT * 60;
  return (dbMinute(m) + logsMinute()) / 2;
}
export function rpoAt(m: number): number {
  if (inside(m, OUTAGE)) return 60 * (m - OUTAGE.start + 1);
  if (inside(m, DRAIN)) return 3600 - 180 * (m - DRAIN.start);
  if (inside(m, BREACH)) return 2400;
  return 5;
}
const utilizationAt = (m: number) => (inside(m, OUTAGE) ? 0 : inside(m, DRAIN) ? 1 : wireMinute(m) / 60 / LIMIT);
const stateAt = (m: number) => (inside(m, BITMAP) ? "bitmap" : inside(m, RESYNC) ? "resyncing" : "active");

const acmeVolume = (volume: string) => ({
  tenant: "acme",
  site: "paris",
  group: "erp",
  volume,
  source: "engine-paris",
});
const erp = { tenant: "acme", site: "paris", group: "erp", source: "engine-paris" };
const wan = { tenant: "acme", site: "paris", link: "wan", source: "engine-paris" };
const www = { tenant: "globex", site: "lyon", group: "web", volume: "www", source: "engine-lyon" };
const web = { tenant: "globex", site: "lyon", group: "web", source: "engine-lyon" };
const stateLabels = GROUP_STATES.map((state) => ({ ...erp, state }));

/** The samples of one day (1-based), in time order. */
export function daySamples(day: number): HistorySample[] {
  const out: HistorySample[] = [];
  const counters = { db: 0, logs: 0, wire: 0, www: 0 };
  // Counters are cumulative from the month's first minute: sum the days before.
  for (let m = 0; m < (day - 1) * 1440; m++) advance(counters, m);
  for (let m = (day - 1) * 1440; m < day * 1440; m++) {
    advance(counters, m);
    if (inside(m, HOLE)) continue;
    const t = FROM + m * 60;
    const push = (metric: string, labels: Record<string, string>, value: number) =>
      out.push({ metric, labels, value, timestamp: t });
    push(metrics.volumeWrittenBytes.name, acmeVolume("db"), counters.db);
    push(metrics.volumeWrittenBytes.name, acmeVolume("logs"), counters.logs);
    push(metrics.groupRpo.name, erp, rpoAt(m));
    push(metrics.groupRpoTarget.name, erp, 1800);
    for (const labels of stateLabels) push(metrics.groupState.name, labels, labels.state === stateAt(m) ? 1 : 0);
    push(metrics.groupResyncRequired.name, erp, inside(m, RESYNC) ? 1 : 0);
    push(metrics.journalCapacity.name, erp, JOURNAL_CAPACITY);
    push(metrics.journalWindowTarget.name, erp, REQUIRED_WINDOW);
    push(metrics.journalWindow.name, erp, inside(m, WINDOW_DIP) ? 80000 : 90000);
    push(metrics.journalUtilization.name, erp, inside(m, WINDOW_DIP) ? 0.9 : 0.5);
    push(metrics.linkWireBytes.name, wan, counters.wire);
    push(metrics.linkRawBytes.name, wan, counters.wire * 2);
    push(metrics.linkLimit.name, wan, LIMIT);
    push(metrics.linkUtilization.name, wan, utilizationAt(m));
    push(metrics.linkUp.name, wan, inside(m, OUTAGE) ? 0 : 1);
    push(metrics.sourceUp.name, { source: "engine-paris", kind: "engine" }, 1);
    push(metrics.volumeWrittenBytes.name, www, counters.www);
    push(metrics.groupRpo.name, web, 1);
  }
  return out;
}

function advance(c: { db: number; logs: number; wire: number; www: number }, m: number): void {
  // The first minute's writes happened before history starts: counters read 0 there.
  if (m === 0) return;
  c.db += dbMinute(m);
  c.logs += logsMinute();
  c.wire += wireMinute(m);
  c.www += 6e6;
}
