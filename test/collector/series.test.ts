import { describe, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { seriesSamples } from "../../collector/series.ts";
import { mapSiteStatus } from "../../collector/sources/engine-map.ts";
import { createExposition } from "../../exporter/exposition.ts";
import { labelNames, type MetricDef, metrics } from "../../model/metrics.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";

function snapshotOf(groups: string[]) {
  const collector = new Collector({
    sources: [{ name: "paris", kind: "push", staleAfterSeconds: 60, start() {}, stop: async () => {} }],
    rateWindowSeconds: 60,
  });
  const status = siteStatus(
    groups.map((g) => groupStatus(g, ["data", "logs"])),
    1000,
  );
  collector.sinkFor("paris").snapshot(mapSiteStatus(status, "acme"), { durationSeconds: 0, samples: 1 });
  return collector.current();
}

const value = (v: number) => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");

describe("series of a snapshot", () => {
  it("are exactly the samples a scrape at the same instant exports, labels named as in the catalogue", () => {
    const snapshot = snapshotOf(["db", "web"]);
    const text = createExposition().render(snapshot, 1010, "prometheus").toString();
    const exported = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    const byName = new Map<string, MetricDef>(Object.values(metrics).map((m) => [m.name, m]));

    const lines = [...seriesSamples(snapshot, 1010)].map((s) => {
      const def = byName.get(s.metric);
      expect(def, s.metric).toBeDefined();
      expect(Object.keys(s.labels)).toEqual(labelNames(def!));
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`);
      return `${s.metric}${labels.length ? `{${labels.join(",")}}` : ""} ${value(s.value)}`;
    });
    expect(lines).toEqual(exported);
  });

  it("leave out the drill timestamp of a group with no drill on record (a 0 would read 1970)", () => {
    const collector = new Collector({
      sources: [{ name: "paris", kind: "push", staleAfterSeconds: 60, start() {}, stop: async () => {} }],
      rateWindowSeconds: 60,
    });
    const { lastTestFailoverTimestamp: _, ...never } = groupStatus("never", ["data"]);
    const status = siteStatus([groupStatus("drilled", ["data"], { lastTestFailoverTimestamp: 900 }), never], 1000);
    collector.sinkFor("paris").snapshot(mapSiteStatus(status, "acme"), { durationSeconds: 0, samples: 1 });
    const drills = [...seriesSamples(collector.current(), 1010)].filter(
      (s) => s.metric === metrics.groupLastTestFailover.name,
    );
    expect(drills.map((s) => [s.labels.group, s.value])).toEqual([["drilled", 900]]);
  });

  it("turn conservative once the source's data is older than its heartbeat plus timeout (60 s here)", () => {
    const snapshot = snapshotOf(["db"]);
    const at = (now: number) => [...seriesSamples(snapshot, now)].filter((s) => s.labels.group === "db");
    const value = (now: number, metric: string, labels: Record<string, string> = {}) =>
      at(now).find((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

    expect(value(1060, metrics.groupState.name, { state: "active" })).toBe(1);
    // The oldest write pending at 1000 has aged 60 s more.
    expect(value(1060, metrics.groupRpo.name)).toBe(62);
    expect(value(1060, metrics.groupChangeRate.name)).toBe(0);

    expect(value(1061, metrics.groupState.name, { state: "active" })).toBe(0);
    expect(value(1061, metrics.groupState.name, { state: "unknown" })).toBe(1);
    // The 2 s reported at 1000, plus everything since: a lower bound of the data at risk.
    expect(value(1061, metrics.groupRpo.name)).toBe(63);
    expect(value(1070, metrics.volumeRpo.name, { volume: "data" })).toBe(72);
    expect(value(1061, metrics.groupChangeRate.name)).toBeUndefined();
    expect(value(1061, metrics.groupRpoTarget.name)).toBeDefined();
  });

  it("brings time-dependent figures to the instant asked for", () => {
    const snapshot = snapshotOf(["db"]);
    const age = (now: number) =>
      [...seriesSamples(snapshot, now)].find((s) => s.metric === metrics.sourceDataAge.name)?.value;
    expect(age(1010)).toBe(10);
    expect(age(1025)).toBe(25);
  });
});
