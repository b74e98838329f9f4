import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAlertArtefacts, RULES_FILE } from "../../alerts/build.ts";
import { buildDashboards } from "../../dashboards/build.ts";
import { type PrometheusInstance, startPrometheus } from "../services/prometheus.ts";
import { type SnmpdInstance, startSnmpd } from "../services/snmpd.ts";
import { type SnmptrapdInstance, startSnmptrapd } from "../services/snmptrapd.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { contentPanels, type DashboardJson } from "./dashboard-lint.ts";
import { runPanels } from "./panel-queries.ts";
import { type RpowatchStack, startRpowatchStack } from "./rpowatch-stack.ts";

const COMMUNITY = "dashboards-test-5d1e";

let snmpd: SnmpdInstance;
let trapd: SnmptrapdInstance;
let stack: RpowatchStack;
let prom: PrometheusInstance;
let rulesDir: string;

beforeAll(async () => {
  snmpd = await startSnmpd({ community: COMMUNITY });
  trapd = await startSnmptrapd({ community: COMMUNITY });
  const community = { env: "RPOWATCH_TEST_COMMUNITY" };
  stack = await startRpowatchStack({
    env: { RPOWATCH_TEST_COMMUNITY: COMMUNITY },
    // The journal window is seconds old against a one-day requirement, so ProtectionWindow* alerts
    // hold once the initial sync ends; with a 2 s `for` the evaluator fires them and traps go out.
    embedded: { alertFor: "2s" },
    // This machine's loopback stands in for the WAN interface carrying the engine's link.
    sources: [
      {
        kind: "snmp",
        name: "prod-edge",
        settings: {
          host: snmpd.host,
          port: snmpd.port,
          site: "prod",
          interval: "1s",
          timeout: "1s",
          auth: { version: "2c", community },
          interfaces: [{ link: "prod->dr", ifName: "lo" }],
        },
      },
    ],
    alerts: { evaluator: { interval: "1s" }, snmp: [{ host: "127.0.0.1", port: trapd.port, community }] },
  });
  rulesDir = await makeTempDir("dashboards-rules");
  const rules = join(rulesDir, RULES_FILE);
  await writeFile(rules, buildAlertArtefacts().get(RULES_FILE)!);
  prom = await startPrometheus({
    scrapeTargets: [{ job: "rpowatch", targets: [new URL(stack.url).host] }],
    ruleFiles: [rules],
  });
  // Enough scrapes of the engine's, the SNMP source's and the notifier's series for rates over
  // $__rate_interval (10 s), and an alert pending.
  for (const family of [
    "rpowatch_group_rpo_seconds",
    "rpowatch_interface_receive_bytes_total",
    "rpowatch_notifications_total",
  ]) {
    await prom.waitForQuery(`count_over_time(${family}[1m]) >= 12`, (r) => r.length > 0, 120_000);
  }
  await prom.waitForQuery('ALERTS{alertname="ProtectionWindowCritical"}', (r) => r.length > 0, 30_000);
  // A DR drill for the Recovery readiness board: one test failover ended as passed (drill time and
  // RTO), then a second left running while the panels are queried (scratch use and bound).
  const image = `${stack.controlUrl("dr")}/groups/g1/image`;
  const testFailover = () => post(image, { latest: true, writable: true, operator: "dashboards-test" });
  await testFailover();
  await post(`${image}/end`, { result: "passed" });
  await testFailover();
  await prom.waitForQuery("rpowatch_group_test_failover_scratch_capacity_bytes", (r) => r.length > 0, 30_000);
  await prom.waitForQuery("rpowatch_group_last_drill_rto_seconds", (r) => r.length > 0, 30_000);
}, 300_000);

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`);
}

afterAll(async () => {
  await prom?.stop();
  await stack?.stop();
  await trapd?.stop();
  await snmpd?.stop();
  if (rulesDir) await removeTempDir(rulesDir);
});

describe("every panel query returns data from Prometheus scraping `rpowatch start`", () => {
  it("delivers the evaluator's alerts as SNMP traps", () => {
    expect(trapd.traps().length).toBeGreaterThan(0);
  });

  it("covers every panel of every Prometheus dashboard", async () => {
    const rows: string[] = [];
    const emptyPanels: Record<string, string[]> = {};
    for (const d of buildDashboards().filter((x) => x.kind === "prometheus")) {
      const json = JSON.parse(JSON.stringify(d.json)) as DashboardJson;
      // A panel has data when all its targets have some for the first, or for the last, value of
      // every variable, as a user switching from the recovery site (first) to the production site
      // would see it: e.g. write sizes exist only where applications write.
      const first = await runPanels(json, prom, 30, "first");
      const last = await runPanels(json, prom, 30, "last");
      const results = first.map((r, i) => {
        const other = last[i]!.empty;
        return { ...r, empty: r.empty.length > 0 && other.length > 0 ? [...r.empty, ...other] : [] };
      });
      const withData = results.filter((r) => r.empty.length === 0).length;
      rows.push(`| ${d.uid.padEnd(24)} | ${`${withData} / ${contentPanels(json).length}`.padEnd(24)} |`);
      for (const r of results.filter((x) => x.empty.length > 0)) emptyPanels[`${d.uid}: ${r.title}`] = r.empty;
    }
    process.stdout.write(
      [
        "",
        "| dashboard                | panels with data / total |",
        "|--------------------------|--------------------------|",
        ...rows,
        "",
      ].join("\n"),
    );
    expect(emptyPanels).toEqual({});
  });
});
