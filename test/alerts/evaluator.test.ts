/**
 * The built-in evaluator on hand-built collector snapshots: `for` is honoured, firing and resolved
 * notifications come in Alertmanager's webhook shape with the catalogue's labels and texts, the
 * protection-window alert is muted while the group is initializing, and inhibitions hold over time
 * (test/alerts/inhibitions.test.ts compares them with Alertmanager's).
 */
import { describe, expect, it } from "vitest";
import { AlertEvaluator } from "../../alerts/evaluator.ts";
import type { Notification } from "../../alerts/notifier/webhook.ts";
import { webhookPayload } from "../../alerts/notifier/webhook.ts";
import type { GroupView } from "../../collector/snapshot.ts";
import { HistoryStats } from "../../history/stats.ts";
import { group, journal, NOW, PLACE, snapshot } from "./snapshots.ts";

function evaluator() {
  const sent: Notification[] = [];
  return { sent, ev: new AlertEvaluator({ notify: (n) => sent.push(n) }) };
}

const names = (n: Notification[]) => n.flatMap((x) => x.payload.alerts.map((a) => `${a.status} ${a.labels.alertname}`));

describe("built-in evaluator", () => {
  it("fires only after `for`, then resolves with the same fingerprint", () => {
    const { sent, ev } = evaluator();
    ev.evaluate(snapshot({ groups: [group(2000)] }), NOW);
    ev.evaluate(snapshot({ groups: [group(2100)] }), NOW + 299);
    expect(sent).toEqual([]);

    ev.evaluate(snapshot({ groups: [group(2400)] }), NOW + 300);
    // RpoThresholdExceeded inhibits RpoApproaching, as the generated Alertmanager config does.
    expect(names(sent)).toEqual(["firing RpoThresholdExceeded"]);
    const raised = sent[0]!.payload;
    expect(webhookPayload.safeParse(raised).success).toBe(true);
    expect(raised.alerts[0]).toMatchObject({
      labels: { alertname: "RpoThresholdExceeded", severity: "critical", tenant: "acme", group: "db" },
      annotations: { value: "2400", threshold: "1800", summary: "RPO of group db at site dr exceeds its target" },
      startsAt: new Date(NOW * 1000).toISOString(),
    });

    ev.evaluate(snapshot({ groups: [group(0)] }), NOW + 400);
    expect(names(sent.slice(1))).toEqual(["resolved RpoThresholdExceeded"]);
    const cleared = sent[1]!.payload.alerts[0]!;
    expect(cleared.fingerprint).toBe(raised.alerts[0]!.fingerprint);
    expect(cleared.endsAt).toBe(new Date((NOW + 400) * 1000).toISOString());
  });

  it("judges RPO by the production side only: a recovery site's estimate raises no RPO alert", () => {
    const { sent, ev } = evaluator();
    const recoverySide = (rpo: number): GroupView => {
      const g = group(rpo);
      return { ...g, raw: { ...g.raw, role: "recovery" } };
    };
    ev.evaluate(snapshot({ groups: [recoverySide(2400)] }), NOW);
    ev.evaluate(snapshot({ groups: [recoverySide(2400)] }), NOW + 600);
    expect(names(sent)).toEqual([]);
  });

  it("a condition that clears before `for` sends nothing", () => {
    const { sent, ev } = evaluator();
    ev.evaluate(snapshot({ groups: [group(2000)] }), NOW);
    ev.evaluate(snapshot({ groups: [group(0)] }), NOW + 100);
    ev.evaluate(snapshot({ groups: [group(2000)] }), NOW + 200);
    ev.evaluate(snapshot({ groups: [group(2000)] }), NOW + 400);
    expect(sent).toEqual([]);
  });

  it("a group whose state is unknown raises GroupStateUnknown after 30 s, labelled like the state set", () => {
    const { sent, ev } = evaluator();
    ev.evaluate(snapshot({ groups: [group(0, "unknown")] }), NOW);
    ev.evaluate(snapshot({ groups: [group(0, "unknown")] }), NOW + 29);
    expect(sent).toEqual([]);
    ev.evaluate(snapshot({ groups: [group(0, "unknown")] }), NOW + 30);
    expect(names(sent)).toEqual(["firing GroupStateUnknown"]);
    expect(sent[0]!.payload.alerts[0]).toMatchObject({
      labels: { alertname: "GroupStateUnknown", severity: "critical", state: "unknown", site: "dr", group: "db" },
      annotations: { summary: "State of group db at site dr is unknown" },
    });
    ev.evaluate(snapshot({ groups: [group(0)] }), NOW + 40);
    expect(names(sent.slice(1))).toEqual(["resolved GroupStateUnknown"]);
  });

  it("DrTestOverdue says 'never tested' for a group without a drill record, and clears once one is recorded", () => {
    const { sent, ev } = evaluator();
    const { lastTestFailoverTimestamp: _, ...untested } = group(0).raw;
    const never = { ...group(0), raw: untested as GroupView["raw"] };
    ev.evaluate(snapshot({ groups: [never] }), NOW);
    ev.evaluate(snapshot({ groups: [never] }), NOW + 3600);
    expect(names(sent)).toEqual(["firing DrTestOverdue"]);
    expect(sent[0]!.payload.alerts[0]).toMatchObject({
      labels: { alertname: "DrTestOverdue", last_test: "never", site: "dr", group: "db" },
      annotations: {
        summary: "Group db at site dr has never been tested",
        description:
          "Group db (tenant acme, site dr) was never tested: no test failover is on record; drills are due monthly.",
        value: "+Inf",
      },
    });
    ev.evaluate(snapshot({ groups: [group(0)] }), NOW + 3700);
    expect(names(sent.slice(1))).toEqual(["resolved DrTestOverdue"]);
  });

  it("DrTestOverdue leaves a group in state unknown alone: its record may be missing with its source", () => {
    const { sent, ev } = evaluator();
    const { lastTestFailoverTimestamp: _, ...untested } = group(0, "unknown").raw;
    const lost = { ...group(0, "unknown"), raw: untested as GroupView["raw"] };
    for (const t of [0, 3600]) ev.evaluate(snapshot({ groups: [lost] }), NOW + t);
    expect(names(sent)).toEqual(["firing GroupStateUnknown"]);
  });

  it("forgets every series that vanished: memory stays bounded under churned groups", () => {
    const { ev } = evaluator();
    const generation = (n: number) =>
      Array.from({ length: 20 }, (_, i) => group(2000, "initializing", { ...PLACE, group: `g${n}-${i}` }));
    ev.evaluate(snapshot({ groups: generation(0) }), NOW);
    const held = ev.seriesHeld();
    expect(held).toBeGreaterThan(0);
    for (let n = 1; n <= 200; n++) ev.evaluate(snapshot({ groups: generation(n) }), NOW + n);
    expect(ev.seriesHeld()).toBe(held);
    ev.evaluate(snapshot({}), NOW + 1000);
    expect(ev.seriesHeld()).toBe(0);
  });

  it("mutes the protection-window alerts while the group is initializing", () => {
    const { sent, ev } = evaluator();
    for (const t of [0, 1000])
      ev.evaluate(snapshot({ groups: [group(0, "initializing")], journals: [journal(0.5)] }), NOW + t);
    expect(sent).toEqual([]);
    for (const t of [2000, 3000]) ev.evaluate(snapshot({ groups: [group(0)], journals: [journal(0.5)] }), NOW + t);
    expect(names(sent)).toEqual(["firing ProtectionWindowCritical"]);
  });

  it("an alert notified before its inhibitor fired stays notified, and is resolved when it ends", () => {
    const { sent, ev } = evaluator();
    for (const t of [0, 1000]) ev.evaluate(snapshot({ groups: [group(0)], journals: [journal(0.8)] }), NOW + t);
    expect(names(sent)).toEqual(["firing ProtectionWindowShort"]);
    for (const t of [2000, 3000]) ev.evaluate(snapshot({ groups: [group(0)], journals: [journal(0.5)] }), NOW + t);
    expect(names(sent.slice(1))).toEqual(["firing ProtectionWindowCritical"]);
    expect(ev.firing().map((a) => a.labels.alertname)).toEqual(["ProtectionWindowCritical"]);
    ev.evaluate(snapshot({ groups: [group(0)], journals: [journal(1)] }), NOW + 4000);
    expect(names(sent.slice(2))).toEqual(["resolved ProtectionWindowShort", "resolved ProtectionWindowCritical"]);
  });

  it("a muted alert whose inhibitor ends is notified then", () => {
    const { sent, ev } = evaluator();
    for (const t of [0, 1000]) ev.evaluate(snapshot({ groups: [group(0)], journals: [journal(0.5)] }), NOW + t);
    ev.evaluate(snapshot({ groups: [group(0)], journals: [journal(0.8)] }), NOW + 1100);
    expect(names(sent)).toEqual([
      "firing ProtectionWindowCritical",
      "resolved ProtectionWindowCritical",
      "firing ProtectionWindowShort",
    ]);
  });

  it("JournalFillingUp: the last day's peak of a full window plus its growth since the day before, against capacity", () => {
    // Each holds 100 MB of a 1 GB journal; a full window's size is 100 MB / window ratio.
    const at = (windowRatio: number, group: string, cycle: { max?: number; ago?: number } = {}) => {
      const j = journal(windowRatio, { ...PLACE, group });
      const full = 1e8 / windowRatio;
      return {
        ...j,
        derived: { ...j.derived, fullWindowCycleMaxBytes: cycle.max ?? full, fullWindowCycleAgoBytes: cycle.ago },
      };
    };
    const sent: Notification[] = [];
    const ev = new AlertEvaluator({ notify: (n) => sent.push(n), forSeconds: 0 });
    const journals = [
      // Flat for a day.
      at(1, "steady", { ago: 1e8 }),
      // A daily cycle, in its morning: 100 MB, 80 MB a day ago, 900 MB at yesterday's peak.
      // A linear forecast of the morning's rise would pass 1 GB; tomorrow's peak is ~920 MB.
      at(1, "daily", { max: 9e8, ago: 8e7 }),
      // The same cycle grown 60 MB since yesterday: tomorrow's peak ~1.01 GB.
      at(1, "daily-growing", { max: 9.5e8, ago: 4e7 }),
      // A full window would take 2 GB already, as it did a day ago.
      at(0.05, "outgrowing", { ago: 2e9 }),
      // The same, less than a day old: nothing to tell a trend from (ProtectionWindowShort says it).
      at(0.05, "first-day"),
      // 600 MB a full window, 100 MB a day ago: at that growth 1.1 GB tomorrow.
      at(1 / 6, "runaway", { ago: 1e8 }),
    ];
    for (const t of [0, 1]) ev.evaluate(snapshot({ groups: [], journals }), NOW + t);
    const filled = sent
      .flatMap((n) => n.payload.alerts)
      .filter((a) => a.labels.alertname === "JournalFillingUp")
      .map((a) => a.labels.group);
    expect(filled.sort()).toEqual(["daily-growing", "outgrowing", "runaway"]);
  });

  it("JournalCorruptRecords fires as the corrupt-record counter rises and clears an hour after the last rise", () => {
    const { sent, ev } = evaluator();
    const counted = (total: number, group = "db") => {
      const j = journal(1, { ...PLACE, group });
      return { ...j, derived: { ...j.derived, corruptRecordsTotal: total } };
    };
    const at = (t: number, db: number) =>
      ev.evaluate(snapshot({ groups: [], journals: [counted(db), counted(2, "web")] }), NOW + t);
    at(0, 0);
    at(60, 0);
    // web was first seen with 2 corrupt records: no rise is seen, as Prometheus needs two samples.
    expect(sent).toEqual([]);
    at(120, 1);
    expect(names(sent)).toEqual(["firing JournalCorruptRecords"]);
    expect(sent[0]!.payload.alerts[0]).toMatchObject({
      labels: { alertname: "JournalCorruptRecords", severity: "critical", group: "db", site: "dr" },
      annotations: { value: "1", threshold: "0", summary: "Journal of group db at site dr has corrupt records" },
    });
    at(1800, 3);
    expect(ev.firing()[0]!.annotations.value).toBe("3");
    // An hour after the rise at 120 only the later one counts; an hour after that, none.
    at(120 + 3600, 3);
    expect(ev.firing()[0]!.annotations.value).toBe("2");
    at(1800 + 3599, 3);
    expect(names(sent)).toEqual(["firing JournalCorruptRecords"]);
    at(1800 + 3600, 3);
    expect(names(sent.slice(1))).toEqual(["resolved JournalCorruptRecords"]);
  });

  it("HistoryBufferFilling: the history buffer over 80% of its bound for 5 min fires, labelled as Prometheus scrapes rpowatch", () => {
    const sent: Notification[] = [];
    const stats = new HistoryStats();
    const ev = new AlertEvaluator({
      notify: (n) => sent.push(n),
      self: () => ({ instance: "127.0.0.1:9464", historyBuffer: stats.buffer() }),
    });
    const at = (t: number) => ev.evaluate(snapshot({}), NOW + t);
    // No buffer open yet (history off or starting): nothing to judge.
    at(0);
    stats.bufferOpened(1000, 0);
    stats.bufferHolds(800);
    at(10);
    at(400);
    expect(sent).toEqual([]);
    stats.bufferHolds(850);
    at(500);
    at(799);
    expect(sent).toEqual([]);
    at(800);
    expect(names(sent)).toEqual(["firing HistoryBufferFilling"]);
    expect(sent[0]!.payload.alerts[0]).toMatchObject({
      labels: { alertname: "HistoryBufferFilling", severity: "warning", job: "rpowatch", instance: "127.0.0.1:9464" },
      annotations: {
        value: "0.85",
        threshold: "0.80",
        description: expect.stringContaining("the on-disk buffer of 127.0.0.1:9464 holds 0.85 of its bound"),
      },
    });
    // The store is back and the buffer replays.
    stats.bufferHolds(100);
    at(900);
    expect(names(sent.slice(1))).toEqual(["resolved HistoryBufferFilling"]);
  });

  it("a shortened `for` leaves DrTestOverdue's grace hour for a group never tested", () => {
    const sent: Notification[] = [];
    const ev = new AlertEvaluator({ notify: (n) => sent.push(n), forSeconds: 1 });
    const untested = { ...group(0), raw: { ...group(0).raw, lastTestFailoverTimestamp: undefined } };
    const overdue = () => sent.flatMap((n) => n.payload.alerts).filter((a) => a.labels.alertname === "DrTestOverdue");
    for (const t of [0, 2, 3599]) ev.evaluate(snapshot({ groups: [untested] }), NOW + t);
    expect(overdue()).toEqual([]);
    ev.evaluate(snapshot({ groups: [untested] }), NOW + 3600);
    expect(overdue().map((a) => a.annotations.summary)).toEqual(["Group db at site dr has never been tested"]);
  });

  it("FailedOverUnprotected: a group promoted here for its grace hour fires, labelled like the state set; a fenced one never", () => {
    const sent: Notification[] = [];
    // A shortened `for` (embedded.alertFor) leaves the hour to reprotect as it is.
    const ev = new AlertEvaluator({ notify: (n) => sent.push(n), forSeconds: 1 });
    const at = (phase: "promoted" | "fenced", place = PLACE) => {
      const g = group(0, "failed-over", place);
      return { ...g, raw: { ...g.raw, failover: phase } };
    };
    const other = { ...PLACE, site: "prod" };
    const unprotected = () =>
      sent.flatMap((n) => n.payload.alerts).filter((a) => a.labels.alertname === "FailedOverUnprotected");
    for (const t of [0, 2, 3599]) ev.evaluate(snapshot({ groups: [at("promoted"), at("fenced", other)] }), NOW + t);
    expect(unprotected()).toEqual([]);
    ev.evaluate(snapshot({ groups: [at("promoted"), at("fenced", other)] }), NOW + 3600);
    expect(unprotected()).toMatchObject([
      {
        status: "firing",
        labels: { severity: "warning", site: "dr", group: "db", phase: "promoted" },
        annotations: {
          summary: "Group db failed over to site dr over an hour ago and is not reprotected",
          value: "1",
        },
      },
    ]);
    ev.evaluate(snapshot({ groups: [group(0, "active")] }), NOW + 3700);
    expect(unprotected().map((a) => a.status)).toEqual(["firing", "resolved"]);
  });
});
