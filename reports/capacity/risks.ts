/**
 * The "top risks" list that opens the report: plain sentences, ordered by consequence first
 * (data beyond the promised RPO was at risk; the recovery window was not there; no recovery
 * points at all; the link failed or is too small; what the trend will break; what we cannot see)
 * and by size within each kind.
 */
import type { CapacityReport, Risk, RiskCategory } from "../capacity-report.ts";
import { bytes, duration, kbit, percent } from "../format.ts";

type Sections = Pick<CapacityReport, "rpo" | "protection" | "links" | "sizing" | "forecast" | "coverage">;

const CONSEQUENCE: readonly RiskCategory[] = [
  "rpo-missed",
  "window-short",
  "journal-undersized",
  "bitmap",
  "link-outage",
  "bandwidth",
  "forecast",
  "missing-data",
];

interface Ranked extends Risk {
  weight: number;
}

export function topRisks(s: Sections): Risk[] {
  const found: Ranked[] = [];
  const add = (category: RiskCategory, subject: string, weight: number, text: string) =>
    found.push({ category, subject, weight, text });

  for (const r of s.rpo) {
    if (r.minutesBeyondTarget === 0) continue;
    const worst = r.worstIncidents[0]!;
    add(
      "rpo-missed",
      `${r.site}/${r.group}`,
      r.minutesBeyondTarget,
      `Group ${r.group} (${r.site}) was beyond its RPO target of ${duration(r.targetSeconds)} for ${r.minutesBeyondTarget} min ` +
        `(${percent(r.compliance)} of measured time within target); worst from ${worst.start} to ${worst.end}, RPO up to ${duration(worst.peakRpoSeconds)}.`,
    );
  }
  for (const p of s.protection) {
    if (!p.minutesShortOfWindow || p.requiredWindowSeconds === null) continue;
    add(
      "window-short",
      `${p.site}/${p.group}`,
      p.minutesShortOfWindow,
      `The journal of ${p.group} (${p.site}) held less than the required ${duration(p.requiredWindowSeconds)} of history for ` +
        `${p.minutesShortOfWindow} min (at worst ${duration(p.achievedMinSeconds)}): older recovery points were not there.`,
    );
  }
  for (const j of s.sizing.journals) {
    if (j.journalCapacityBytes === null || j.recommendedJournalBytes <= j.journalCapacityBytes) continue;
    add(
      "journal-undersized",
      `${j.site}/${j.group}`,
      j.recommendedJournalBytes / j.journalCapacityBytes,
      `The journal of ${j.group} (${j.site}) has ${bytes(j.journalCapacityBytes)}; this month's change needs ${bytes(j.recommendedJournalBytes)} ` +
        `for its ${duration(j.requiredWindowSeconds)} window.`,
    );
  }
  for (const p of s.protection) {
    if (p.bitmapDays.length === 0) continue;
    add(
      "bitmap",
      `${p.site}/${p.group}`,
      p.bitmapDays.length,
      `Group ${p.group} (${p.site}) fell into bitmap mode on ${p.bitmapDays.length} day(s) (${p.bitmapDays.join(", ")}): no recovery points were kept while it lasted.`,
    );
  }
  for (const l of s.links) {
    const minutes = l.outages.reduce((a, o) => a + o.minutes, 0);
    if (minutes === 0) continue;
    const longest = [...l.outages].sort((a, b) => b.minutes - a.minutes)[0]!;
    add(
      "link-outage",
      `${l.site}/${l.link}`,
      minutes,
      `Link ${l.link} (${l.site}) was down ${l.outages.length} time(s), ${minutes} min in all; longest from ${longest.start} to ${longest.end}.`,
    );
  }
  for (const b of s.sizing.bandwidth) {
    if (b.averageCompressed?.achievable === false) {
      add(
        "bandwidth",
        b.site,
        b.averageCompressed.requiredKbitPerSecond,
        `Site ${b.site} needs ${kbit(b.averageCompressed.requiredKbitPerSecond)} on average (compressed) to hold RPO ≈ 0; its links allow ${kbit(b.availableKbitPerSecond)}.`,
      );
    }
  }
  for (const l of s.links) {
    if (!l.hoursAtLimit) continue;
    add(
      "bandwidth",
      `${l.site}/${l.link}`,
      l.hoursAtLimit,
      `Link ${l.link} (${l.site}) ran at its limit for ${l.hoursAtLimit.toFixed(2)} h (p95 utilization ${percent(l.utilizationP95)}).`,
    );
  }
  for (const j of s.forecast.journals) {
    if (j.status !== "date" || j.date === null) continue;
    add(
      "forecast",
      `${j.site}/${j.group}`,
      -Date.parse(j.date),
      `At this month's growth, the journal of ${j.group} (${j.site}) stops holding its window on ${j.date}.`,
    );
  }
  for (const l of s.forecast.links) {
    if (l.status === "short-now") {
      add(
        "forecast",
        `${l.site}/${l.link}`,
        0,
        `Link ${l.link} (${l.site}) is saturated now (p95 utilization at or above its limit).`,
      );
    } else if (l.status === "date" && l.date !== null) {
      add(
        "forecast",
        `${l.site}/${l.link}`,
        -Date.parse(l.date),
        `At this month's growth, link ${l.link} (${l.site}) reaches its limit at p95 on ${l.date}.`,
      );
    }
  }
  const missing = s.coverage.minutes - s.coverage.coveredMinutes;
  if (missing > 0) {
    add(
      "missing-data",
      "history",
      missing,
      `History has no samples for ${missing} of ${s.coverage.minutes} min (${s.coverage.gaps.length} gap(s)); figures cover the measured time only.`,
    );
  }
  return found
    .sort((a, b) => CONSEQUENCE.indexOf(a.category) - CONSEQUENCE.indexOf(b.category) || b.weight - a.weight)
    .map(({ weight: _, ...risk }) => risk);
}
