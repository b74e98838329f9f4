import { describe, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { seriesSamples } from "../../collector/series.ts";
import { mapSiteStatus } from "../../collector/sources/engine-map.ts";
import { createExposition } from "../../exporter/exposition.ts";
import { labelNames, type MetricDef, metrics } from "../../model/metrics.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";

function snapshotOf(groups: string[]) {
  const collector = new Collector({
    sources: [{ name: "paris", kind: "push", start() {}, stop: async () => {} }],
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

  it("brings time-dependent figures to the instant asked for", () => {
    const snapshot = snapshotOf(["db"]);
    const age = (now: number) =>
      [...seriesSamples(snapshot, now)].find((s) => s.metric === metrics.sourceDataAge.name)?.value;
    expect(age(1010)).toBe(10);
    expect(age(1025)).toBe(25);
  });
});
