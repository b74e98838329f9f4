/**
 * One inhibition list, two enforcers: the built-in evaluator and a real Alertmanager running the
 * generated configuration mute the same alerts. The evaluator's checks raise a scenario's alerts;
 * all of them go to Alertmanager with `amtool alert add`, and what `amtool alert query` shows as
 * active (not inhibited) must be exactly what the evaluator reports firing.
 */

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { buildAlertmanagerConfig } from "../../alerts/alertmanager-config.ts";
import { CHECKS } from "../../alerts/checks.ts";
import { AlertEvaluator } from "../../alerts/evaluator.ts";
import { staticLabels } from "../../alerts/templates.ts";
import { type AlertKey, alerts, INHIBITIONS, inhibitionsOf } from "../../model/alerts.ts";
import { type AlertmanagerInstance, startAlertmanager } from "../services/alertmanager.ts";
import { requireBinary } from "../support/binaries.ts";
import { runCommand } from "../support/process.ts";
import { group, journal, link, NOW, snapshot, source } from "./snapshots.ts";

const PROD = { source: "prod", tenant: "acme", site: "paris", group: "erp" };
const VENDOR = { source: "vendor", tenant: "acme", site: "lyon", group: "mail" };

/**
 * The production site `prod` is dead: its source is down, its group and link are unknown. At the
 * recovery site `engine`, group db is past its RPO target and its journal covers half its window.
 * A push source `vendor` is up and reports its group's state as unknown.
 */
const SCENARIO = snapshot({
  sources: [source("prod", false), source("engine", true), source("vendor", true)],
  groups: [group(2400), group(0, "unknown", PROD), group(0, "unknown", VENDOR)],
  journals: [journal(0.5)],
  links: [link("unknown", { source: "prod", tenant: "acme", site: "paris", link: "wan0" })],
});

/** Label sets of every alert whose condition holds in the scenario, before any inhibition. */
function raised(): Record<string, string>[] {
  const ctx = { snapshot: SCENARIO, now: NOW, unchangedFor: () => 0, increaseWithin: () => 0 };
  return (Object.entries(CHECKS) as Array<[AlertKey, (typeof CHECKS)[AlertKey]]>).flatMap(([key, check]) =>
    (check?.(ctx) ?? []).map((i) => ({ alertname: alerts[key].name, ...i.labels, ...staticLabels(alerts[key]) })),
  );
}

const id = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
const names = (list: Record<string, string>[]) => list.map((l) => `${l.alertname} ${l.source}`).sort();

let am: AlertmanagerInstance;
let amtool: string;

beforeAll(async () => {
  amtool = requireBinary("/usr/bin/amtool", "prometheus-alertmanager");
  // The webhook points at the discard port: notifications are not what this test looks at.
  am = await startAlertmanager({
    configYaml: stringify(buildAlertmanagerConfig({ rpowatchUrl: "http://127.0.0.1:9" })),
  });
});
afterAll(() => am?.stop());

describe("inhibitions", () => {
  it("the scenario raises both sides of every kind of inhibition", () => {
    expect(names(raised())).toEqual([
      "GroupStateUnknown prod",
      "GroupStateUnknown vendor",
      "LinkDown prod",
      "ProtectionWindowCritical engine",
      "ProtectionWindowShort engine",
      "RpoApproaching engine",
      "RpoThresholdExceeded engine",
      "SourceDown prod",
    ]);
  });

  it("the built-in evaluator and Alertmanager (amtool) mute the same alerts", async () => {
    const ev = new AlertEvaluator({ notify: () => {}, forSeconds: 0 });
    ev.evaluate(SCENARIO, NOW);
    const evaluatorFiring = ev.firing().map((a) => a.labels);
    expect(names(evaluatorFiring)).toEqual([
      "GroupStateUnknown vendor",
      "ProtectionWindowCritical engine",
      "RpoThresholdExceeded engine",
      "SourceDown prod",
    ]);

    const url = `--alertmanager.url=${am.url}`;
    for (const labels of raised()) {
      await runCommand(amtool, ["alert", "add", url, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
    }
    const query = async (flags: string[]) =>
      (
        JSON.parse(await runCommand(amtool, ["alert", "query", url, "-o", "json", ...flags])) as Array<{
          labels: Record<string, string>;
        }>
      ).map((a) => a.labels);
    await expect.poll(async () => (await query(["--inhibited"])).length, { timeout: 10_000 }).toBe(4);
    const active = await query(["--active"]);
    expect(active.map(id).sort()).toEqual(evaluatorFiring.map(id).sort());
  });

  it("an inhibition between subjects that share no label is refused", () => {
    const collectorAlert = { ...alerts.collectorTargetAbsent, inhibits: ["SourceDown"] };
    expect(() => inhibitionsOf([collectorAlert, alerts.sourceDown])).toThrow(/share no label/);
    expect(() => inhibitionsOf([{ ...alerts.sourceDown, inhibits: ["NoSuchAlert"] }])).toThrow(/not in the catalogue/);
    expect(INHIBITIONS.find((i) => i.source === alerts.sourceDown)?.equal).toEqual(["source"]);
  });
});
