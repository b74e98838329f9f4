/**
 * JournalFillingUp in the built-in evaluator agrees with the rule: the journals of its promtool
 * cases (alerts/tests/journal-series.ts), reported minute by minute by a recovery site and derived
 * by the collector as it runs, fire at the same minute (a full window that keeps growing, steadily
 * or on a daily cycle) or never (the default stack's healthy journal wrapping, for a day and more;
 * the same on the daily workload profile, for two days).
 */
import { describe, expect, it } from "vitest";
import { AlertEvaluator } from "../../alerts/evaluator.ts";
import type { Notification } from "../../alerts/notifier/webhook.ts";
import { dailyCycleJournal, defaultStackJournal, type JournalMinutes } from "../../alerts/tests/journal-series.ts";
import { SeriesMemory } from "../../collector/series-memory.ts";
import { buildSourceView } from "../../collector/source-view.ts";
import { mapSiteStatus } from "../../collector/sources/engine-map.ts";
import { groupStatus, siteStatus } from "../collector/support/site-status.ts";
import { NOW, snapshot } from "./snapshots.ts";

/** Minutes at which the evaluator, on its catalogue `for`, has JournalFillingUp firing. */
function firingMinutes(j: JournalMinutes): number[] {
  const memory = new SeriesMemory(60);
  const sent: Notification[] = [];
  const evaluator = new AlertEvaluator({ notify: (n) => sent.push(n) });
  const firing: number[] = [];
  let on = false;
  j.used.forEach((used, minute) => {
    const t = NOW + 60 * minute;
    const held = j.ratio[minute]! * j.windowSeconds;
    const journal = {
      capacityBytes: j.capacity,
      usedBytes: used,
      undistributedBytes: 0,
      oldestRecoverableTimestamp: t - held,
      newestRecoverableTimestamp: t,
      requiredWindowSeconds: j.windowSeconds,
      achievedWindowSeconds: held,
      trimmedBytesByTime: 0,
      trimmedBytesBySpace: 0,
      storeCapacityBytes: 100 * j.capacity,
      corruptRecordsTotal: 0,
      pins: [],
    };
    const status = { ...siteStatus([groupStatus("db", ["data"], { journal })], t), role: "recovery" as const };
    const view = buildSourceView("dr", mapSiteStatus(status, "acme"), memory);
    evaluator.evaluate(snapshot({ groups: [], journals: view.journals }), t);
    for (const alert of sent.splice(0).flatMap((n) => n.payload.alerts)) {
      if (alert.labels.alertname === "JournalFillingUp") on = alert.status === "firing";
    }
    if (on) firing.push(minute);
  });
  return firing;
}

describe("JournalFillingUp, built-in evaluator on the promtool cases' journals", () => {
  it("stays silent for a day and more while the default stack's healthy journal wraps", () => {
    expect(firingMinutes(defaultStackJournal(26 * 60))).toEqual([]);
  });

  it("stays silent for two days on the daily workload profile: each morning's rise is no growth", () => {
    expect(firingMinutes(dailyCycleJournal(50 * 60))).toEqual([]);
  });

  it("fires when the day's peak plus a day's growth passes capacity, at the rule's minute", () => {
    const firing = firingMinutes(defaultStackJournal(33 * 60, 0.1));
    // The promtool case: silent at 1870m, firing at 1871m, and from then on.
    expect(firing[0]).toBe(1871);
    expect(firing).toHaveLength(33 * 60 - 1871 + 1);
  });

  it("fires on a daily cycle that grows, as soon as a day is held, at the rule's minute", () => {
    const firing = firingMinutes(dailyCycleJournal(30 * 60, 80));
    expect(firing[0]).toBe(1456);
    expect(firing).toHaveLength(30 * 60 - 1456 + 1);
  });
});
