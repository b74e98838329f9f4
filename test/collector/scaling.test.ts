/**
 * docs/scaling.md, tested: two collectors (distinct `instance` labels), each reading its own
 * engine site, scraped by a real Prometheus that remote-writes into a real VictoriaMetrics; the
 * same PromQL gives the same answers in both.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metrics } from "../../model/metrics.ts";
import { type PrometheusInstance, startPrometheus } from "../services/prometheus.ts";
import { startVictoriaMetrics, type VictoriaMetricsInstance } from "../services/victoria-metrics.ts";
import { waitFor } from "../support/process.ts";
import type { PromSeries } from "../support/prom-api.ts";
import { type EnginePair, startEnginePair } from "./support/engine-pair.ts";
import { type Rig, startRig } from "./support/exporter-rig.ts";

let pair: EnginePair;
let rigs: Rig[] = [];
let vm: VictoriaMetricsInstance;
let prom: PrometheusInstance;

beforeAll(async () => {
  pair = await startEnginePair();
  rigs = [
    await startRig([{ name: "paris", url: pair.production.url }]),
    await startRig([{ name: "lyon", url: pair.recovery.url }]),
  ];
  vm = await startVictoriaMetrics();
  prom = await startPrometheus({
    scrapeTargets: [{ job: "rpowatch", targets: rigs.map((r) => r.running.url.replace("http://", "")) }],
    scrapeInterval: "1s",
    remoteWrite: [vm.remoteWriteUrl],
  });
});

afterAll(async () => {
  await prom?.stop();
  await vm?.stop();
  for (const rig of rigs) await rig.stop();
  await pair?.stop();
});

/** Order-independent, comparable form of an instant-query result. */
const normalize = (result: PromSeries[]) =>
  result
    .map((s) => `${JSON.stringify(Object.entries(s.metric).sort())} ${s.value?.[1]}`)
    .sort()
    .join("\n");

describe("two collectors behind Prometheus remote-writing to VictoriaMetrics", () => {
  it("answers the same PromQL identically in Prometheus and VictoriaMetrics", async () => {
    const upQuery = `sum by (instance, source) (${metrics.sourceUp.name})`;
    await prom.waitForQuery(upQuery, (r) => r.length === 2 && r.every((s) => s.value?.[1] === "1"), 30_000);
    // Let a few scrapes land, then compare both stores at one fixed evaluation time.
    await new Promise((r) => setTimeout(r, 3000));
    const at = new Date(Date.now() - 1000);
    const queries = [
      upQuery,
      `count by (instance, source, site) (${metrics.volumeSize.name})`,
      `sum by (site, group) (${metrics.volumeSize.name})`,
      `max by (tenant, site, group) (${metrics.groupRpoTarget.name})`,
      `sum by (source) (${metrics.journalCapacity.name})`,
    ];
    for (const q of queries) {
      const fromProm = normalize(await prom.query(q, at));
      expect(fromProm, q).not.toBe("");
      await waitFor(async () => normalize(await vm.query(q, at)) === fromProm, {
        timeoutMs: 30_000,
        what: `VictoriaMetrics to answer ${q} like Prometheus:\n${fromProm}`,
      });
    }
    const instances = new Set((await prom.query(upQuery, at)).map((s) => s.metric.instance));
    expect(instances.size).toBe(2);
  });
});
