/**
 * JournalFillingUp in the built-in evaluator agrees with the rule: the journals of its promtool
 * cases (alerts/tests/journal-series.ts), reported minute by minute by a recovery site and derived
 * by the collector as it runs, fire at the same minute (the default stack's journal with its change
 * rate rising) or never (the default stack's healthy journal wrapping, over seven hours).
 */
import { describe, expect, it } from "vitest";
import { AlertEvaluator } from "../../alerts/evaluator.ts";
import type { Notification } from "../../alerts/notifier/webhook.ts";
import { defaultStackJournal, type JournalMinutes } from "../../alerts/tests/journal-series.ts";
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
  it("stays silent for seven hours while the default stack's healthy journal wraps", () => {
    expect(firingMinutes(defaultStackJournal(7 * 60))).toEqual([]);
  });

  it("fires two hours and the `for` after the start when a full window keeps growing, as the rule", () => {
    const firing = firingMinutes(defaultStackJournal(4 * 60, 0.3));
    // The promtool case: silent at 135m, firing at 136m, and from then on.
    expect(firing[0]).toBe(136);
    expect(firing).toHaveLength(4 * 60 - 136 + 1);
  });
});
