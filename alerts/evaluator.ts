/**
 * The built-in evaluator: runs the alert catalogue in-process on the collector's snapshots for
 * sites without Prometheus, honouring each alert's `for`, and hands firing and resolved
 * notifications, in Alertmanager's webhook shape, to the same notifier the webhook feeds.
 * Notifications are grouped per tenant and evaluation, as Alertmanager's route would group them.
 * The catalogue's inhibitions apply as in the generated Alertmanager config: an inhibited alert is
 * neither notified nor listed as firing; one already notified stays so and is resolved when it ends.
 */
import { createHash } from "node:crypto";
import type { ModelSnapshot } from "../collector/snapshot.ts";
import type { SnapshotFeed } from "../collector/snapshot-feed.ts";
import { parseDuration } from "../lib/units.ts";
import { ALERT_LIST, type AlertDef, type AlertKey, alerts, INHIBITIONS } from "../model/alerts.ts";
import { CHECKS, type Instance, type SelfFigures } from "./checks.ts";
import { CounterWindows } from "./counter-windows.ts";
import type { Notification, WebhookAlert, WebhookPayload } from "./notifier/webhook.ts";
import { expandAnnotations, staticLabels } from "./templates.ts";

export interface EvaluatorOptions {
  /** Receives each notification (Notifier.dispatch). */
  notify: (notification: Notification) => void;
  /** Replaces every alert's `for` that is a detection delay, in seconds (tests and demos use short delays). */
  forSeconds?: number;
  /** rpowatch's own figures at each evaluation (the history buffer's fill); without them those alerts stay quiet. */
  self?: () => SelfFigures;
}

interface Tracked {
  alert: AlertDef;
  labels: Record<string, string>;
  activeSince: number;
  /** The condition has held for the alert's `for`. */
  firing: boolean;
  /** A firing notification went out (so a resolved one is owed when it ends). */
  notified: boolean;
  value: number;
  threshold: number;
}

/** Whether a firing alert of the catalogue's inhibitions mutes `t` (Alertmanager's inhibit_rules). */
function inhibited(t: Tracked, firing: readonly Tracked[]): boolean {
  return INHIBITIONS.some(
    (i) =>
      i.target === t.alert &&
      firing.some((s) => s.alert === i.source && i.equal.every((label) => s.labels[label] === t.labels[label])),
  );
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

function fingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash("sha256").update(JSON.stringify(sorted)).digest("hex").slice(0, 16);
}

export class AlertEvaluator {
  private readonly tracked = new Map<string, Tracked>();
  private readonly memory = new Map<string, { value: number; since: number }>();
  private readonly counters = new CounterWindows();
  private readonly forSeconds: Record<string, number>;

  constructor(private readonly opts: EvaluatorOptions) {
    this.forSeconds = Object.fromEntries(
      ALERT_LIST.map((a) => [
        a.name,
        a.forIsGracePeriod || opts.forSeconds === undefined ? parseDuration(a.for) : opts.forSeconds,
      ]),
    );
  }

  /** Evaluates every alert on one snapshot; returns (and notifies) the payloads it produced. */
  evaluate(snapshot: ModelSnapshot, now = Date.now() / 1000): WebhookPayload[] {
    const remembered = new Set<string>();
    const unchangedFor = (key: string, value: number) => {
      remembered.add(key);
      return this.unchangedFor(key, value, now);
    };
    const counted = new Set<string>();
    const increaseWithin = (key: string, total: number, windowSeconds: number) => {
      counted.add(key);
      return this.counters.increase(key, total, now, windowSeconds);
    };
    const ctx = { snapshot, now, unchangedFor, increaseWithin, self: this.opts.self?.() };
    const seen = new Set<string>();
    const changed: WebhookAlert[] = [];
    for (const [key, check] of Object.entries(CHECKS) as Array<[AlertKey, (typeof CHECKS)[AlertKey]]>) {
      if (!check) continue;
      const alert = alerts[key];
      for (const instance of check(ctx)) {
        const id = this.observe(alert, instance, now);
        seen.add(id);
        const t = this.tracked.get(id)!;
        if (now - t.activeSince >= this.forSeconds[alert.name]!) t.firing = true;
      }
    }
    // A series no check asked about is gone from the snapshot: forget it, or churned groups pile up.
    for (const key of this.memory.keys()) if (!remembered.has(key)) this.memory.delete(key);
    this.counters.keepOnly(counted);
    for (const [id, t] of this.tracked) {
      if (seen.has(id)) continue;
      this.tracked.delete(id);
      if (t.notified) changed.push(this.webhookAlert(t, "resolved", now));
    }
    for (const t of this.unmuted()) {
      if (t.notified) continue;
      t.notified = true;
      changed.push(this.webhookAlert(t, "firing", now));
    }
    const payloads = groupByTenant(changed);
    for (const payload of payloads) this.opts.notify({ payload });
    return payloads;
  }

  /**
   * Evaluates every new snapshot, and every `intervalSeconds` the current one, so `for` and
   * time-based alerts progress between snapshots too. Returns the detach function.
   */
  attach(provider: SnapshotFeed, intervalSeconds: number): () => void {
    const unsubscribe = provider.subscribe((next) => this.evaluate(next));
    const timer = setInterval(() => this.evaluate(provider.current()), intervalSeconds * 1000);
    timer.unref();
    return () => {
      unsubscribe();
      clearInterval(timer);
    };
  }

  /** Alerts currently firing and not inhibited (for the NOC page and tests). */
  firing(): WebhookAlert[] {
    return this.unmuted().map((t) => this.webhookAlert(t, "firing", t.activeSince));
  }

  private unmuted(): Tracked[] {
    const firing = [...this.tracked.values()].filter((t) => t.firing);
    return firing.filter((t) => !inhibited(t, firing));
  }

  /** How many series the evaluator holds state for (alert instances and remembered values). */
  seriesHeld(): number {
    return this.tracked.size + this.memory.size + this.counters.size;
  }

  private observe(alert: AlertDef, instance: Instance, now: number): string {
    const labels = { alertname: alert.name, ...instance.labels, ...staticLabels(alert) };
    const id = fingerprint(labels);
    const t = this.tracked.get(id);
    if (t) Object.assign(t, { value: instance.value, threshold: instance.threshold });
    else {
      const { value, threshold } = instance;
      this.tracked.set(id, { alert, labels, activeSince: now, firing: false, notified: false, value, threshold });
    }
    return id;
  }

  private unchangedFor(key: string, value: number, now: number): number {
    const m = this.memory.get(key);
    if (!m || m.value !== value) {
      this.memory.set(key, { value, since: now });
      return 0;
    }
    return now - m.since;
  }

  private webhookAlert(t: Tracked, status: "firing" | "resolved", now: number): WebhookAlert {
    const { alertname: _, severity: __, oid: ___, ...subject } = t.labels;
    return {
      status,
      labels: t.labels,
      annotations: expandAnnotations(t.alert, subject, t.value, t.threshold),
      startsAt: iso(t.activeSince),
      endsAt: status === "resolved" ? iso(now) : undefined,
      generatorURL: "",
      fingerprint: fingerprint(t.labels),
    };
  }
}

const tenantLabels = (tenant: string): Record<string, string> => (tenant ? { tenant } : {});

function groupByTenant(list: WebhookAlert[]): WebhookPayload[] {
  const byTenant = new Map<string, WebhookAlert[]>();
  for (const a of list) {
    const tenant = a.labels.tenant ?? "";
    byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), a]);
  }
  return [...byTenant].map(
    ([tenant, alertsOfTenant]): WebhookPayload => ({
      version: "4",
      groupKey: `rpowatch-evaluator:{tenant="${tenant}"}`,
      truncatedAlerts: 0,
      status: alertsOfTenant.some((a) => a.status === "firing") ? "firing" : "resolved",
      receiver: "rpowatch-evaluator",
      groupLabels: tenantLabels(tenant),
      commonLabels: tenantLabels(tenant),
      commonAnnotations: {},
      externalURL: "",
      alerts: alertsOfTenant,
    }),
  );
}
