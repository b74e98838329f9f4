/**
 * The built-in evaluator on hand-built collector snapshots: `for` is honoured, firing and resolved
 * notifications come in Alertmanager's webhook shape with the catalogue's labels and texts, and
 * the protection-window alert is muted while the group is initializing.
 */
import { describe, expect, it } from "vitest";
import { AlertEvaluator } from "../../alerts/evaluator.ts";
import type { Notification } from "../../alerts/notifier/webhook.ts";
import { webhookPayload } from "../../alerts/notifier/webhook.ts";
import type { GroupView, JournalView, ModelSnapshot } from "../../collector/snapshot.ts";
import { EMPTY_SNAPSHOT } from "../../collector/snapshot.ts";
import type { GroupState } from "../../model/entities.ts";

const PLACE = { source: "engine", tenant: "acme", site: "dr", group: "db" };
const NOW = 1_800_000_000;

function group(rpo: number, state: GroupState = "active"): GroupView {
  return {
    ...PLACE,
    raw: {
      tenant: "acme",
      site: "dr",
      name: "db",
      state,
      mode: "async",
      peerSite: "prod",
      rpoSeconds: rpo,
      rpoTargetSeconds: 1800,
      recoveryPointTimestamp: NOW,
      backlogBytes: { production: 0, in_flight: 0, recovery: 0 },
      backlogWrites: 0,
      lastBookmarkTimestamp: NOW,
      bookmarkIntervalSeconds: 1800,
      syncProgressRatio: 1,
      syncEtaSeconds: 0,
      resyncRequired: false,
      lastTestFailoverTimestamp: NOW,
    },
    derived: {
      rpoSeconds: rpo,
      observedTimestamp: NOW,
      rpoTargetRatio: rpo / 1800,
      recoveryPointTimestamp: NOW,
      changeRateBytesPerSecond: 0,
      backlogBytes: 0,
      bottleneck: "none",
      state,
      drainRateBytesPerSecond: 0,
      etaSeconds: 0,
      etaValid: true,
      rpoAtRisk: false,
    },
  };
}

function journal(windowRatio: number): JournalView {
  return {
    ...PLACE,
    raw: {
      capacityBytes: 1e9,
      usedBytes: 1e8,
      undistributedBytes: 0,
      oldestRecoverableTimestamp: NOW - 3600,
      newestRecoverableTimestamp: NOW,
      requiredWindowSeconds: 3600,
      achievedWindowSeconds: 3600 * windowRatio,
      trimmedBytesByTime: 0,
      trimmedBytesBySpace: 0,
      storeCapacityBytes: 1e10,
    },
    derived: {
      utilizationRatio: 0.1,
      windowRatio,
      fillRateBytesPerSecond: 0,
      fullEtaSeconds: Number.POSITIVE_INFINITY,
      trimmedBytesByTime: 0,
      trimmedBytesBySpace: 0,
    },
  };
}

const snapshot = (parts: Partial<ModelSnapshot>): ModelSnapshot => ({ ...EMPTY_SNAPSHOT, timestamp: NOW, ...parts });

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
    expect(names(sent)).toEqual(["firing RpoThresholdExceeded", "firing RpoApproaching"]);
    const raised = sent[0]!.payload;
    expect(webhookPayload.safeParse(raised).success).toBe(true);
    expect(raised.alerts[0]).toMatchObject({
      labels: { alertname: "RpoThresholdExceeded", severity: "critical", tenant: "acme", group: "db" },
      annotations: { value: "2400", threshold: "1800", summary: "RPO of group db exceeds its target" },
      startsAt: new Date(NOW * 1000).toISOString(),
    });

    ev.evaluate(snapshot({ groups: [group(0)] }), NOW + 400);
    expect(names(sent.slice(1))).toEqual(["resolved RpoThresholdExceeded", "resolved RpoApproaching"]);
    const cleared = sent[1]!.payload.alerts[0]!;
    expect(cleared.fingerprint).toBe(raised.alerts[0]!.fingerprint);
    expect(cleared.endsAt).toBe(new Date((NOW + 400) * 1000).toISOString());
  });

  it("a condition that clears before `for` sends nothing", () => {
    const { sent, ev } = evaluator();
    ev.evaluate(snapshot({ groups: [group(2000)] }), NOW);
    ev.evaluate(snapshot({ groups: [group(0)] }), NOW + 100);
    ev.evaluate(snapshot({ groups: [group(2000)] }), NOW + 200);
    ev.evaluate(snapshot({ groups: [group(2000)] }), NOW + 400);
    expect(sent).toEqual([]);
  });

  it("mutes the protection-window alerts while the group is initializing", () => {
    const { sent, ev } = evaluator();
    for (const t of [0, 1000])
      ev.evaluate(snapshot({ groups: [group(0, "initializing")], journals: [journal(0.5)] }), NOW + t);
    expect(sent).toEqual([]);
    for (const t of [2000, 3000]) ev.evaluate(snapshot({ groups: [group(0)], journals: [journal(0.5)] }), NOW + t);
    expect(names(sent)).toEqual(["firing ProtectionWindowShort", "firing ProtectionWindowCritical"]);
  });
});
