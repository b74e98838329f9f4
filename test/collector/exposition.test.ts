import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { mapSiteStatus } from "../../collector/sources/engine-map.ts";
import { createExposition } from "../../exporter/exposition.ts";
import { metrics } from "../../model/metrics.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";

function collectorWith(groupName: string) {
  const collector = new Collector({
    sources: [{ name: "paris", kind: "push", staleAfterSeconds: 60, start() {}, stop: async () => {} }],
    rateWindowSeconds: 60,
  });
  const snap = mapSiteStatus(siteStatus([groupStatus(groupName, ["data"])], 1000), "acme");
  collector.sinkFor("paris").snapshot(snap, { durationSeconds: 0, samples: 1 });
  return collector;
}

describe("exposition", () => {
  it("renders the data age at scrape time even when the rest comes from the per-snapshot cache", () => {
    const collector = collectorWith("db");
    const exposition = createExposition();
    const at = (now: number) => exposition.render(collector.current(), now, "prometheus").toString();
    expect(at(1010)).toContain(`${metrics.sourceDataAge.name}{source="paris",kind="push"} 10\n`);
    expect(at(1025)).toContain(`${metrics.sourceDataAge.name}{source="paris",kind="push"} 25\n`);
  });

  it("escapes label values and writes infinities as Prometheus expects", () => {
    const collector = collectorWith('we"ird\\name\nx');
    const text = createExposition().render(collector.current(), 1000, "prometheus").toString();
    expect(text).toContain(`group="we\\"ird\\\\name\\nx"`);
    // No journal change rate yet and a backlog that is not draining: the ETA is +Inf.
    expect(text).toMatch(new RegExp(`^${metrics.groupDrainEta.name}\\{[^}]*\\} \\+Inf$`, "m"));
  });

  it("uses extractor overrides for values kept outside the snapshot", () => {
    const collector = collectorWith("db");
    const exposition = createExposition({ notifications: (_s, _now, emit) => emit(["trap", "nms1", "sent"], 3) });
    expect(exposition.render(collector.current(), 1000, "openmetrics").toString()).toContain(
      'rpowatch_notifications_total{channel="trap",destination="nms1",result="sent"} 3\n',
    );
  });

  it("serves a gzip body that decodes to the plain body, data age included", () => {
    const collector = collectorWith("db");
    const exposition = createExposition();
    for (const format of ["prometheus", "openmetrics"] as const) {
      for (const now of [1010, 1025]) {
        const plain = exposition.render(collector.current(), now, format);
        expect(gunzipSync(exposition.render(collector.current(), now, format, "gzip")).equals(plain)).toBe(true);
      }
    }
  });

  it("advances the data age between two gzip scrapes of the same snapshot", () => {
    const collector = collectorWith("db");
    const exposition = createExposition();
    const at = (now: number) =>
      gunzipSync(exposition.render(collector.current(), now, "openmetrics", "gzip")).toString();
    const age = `${metrics.sourceDataAge.name}{source="paris",kind="push"}`;
    expect(at(1010)).toContain(`${age} 10\n`);
    const later = at(1025);
    expect(later).toContain(`${age} 25\n`);
    expect(later.endsWith("# EOF\n")).toBe(true);
  });

  it("renders a prepared snapshot the same as one rendered at scrape time", async () => {
    const collector = collectorWith("db");
    const prepared = createExposition();
    prepared.render(collector.current(), 1000, "openmetrics", "gzip"); // what scrapers ask for
    const snap = mapSiteStatus(siteStatus([groupStatus("db", ["data", "logs"])], 1010), "acme");
    collector.sinkFor("paris").snapshot(snap, { durationSeconds: 0, samples: 1 });
    await prepared.prepare(collector.current(), 1010);
    const fresh = createExposition().render(collector.current(), 1020, "openmetrics");
    expect(gunzipSync(prepared.render(collector.current(), 1020, "openmetrics", "gzip")).equals(fresh)).toBe(true);
    expect(fresh.toString()).toContain('volume="logs"');
  });

  it("serves the last complete snapshot while the next one is prepared, then the new one", async () => {
    const collector = collectorWith("db");
    const exposition = createExposition();
    const before = collector.current();
    exposition.render(before, 1000, "prometheus");
    const snap = mapSiteStatus(siteStatus([groupStatus("db", ["data", "logs"])], 1010), "acme");
    collector.sinkFor("paris").snapshot(snap, { durationSeconds: 0, samples: 1 });
    const after = collector.current();
    const preparing = exposition.prepare(after, 1010);
    expect(exposition.servable("prometheus", after)).toBe(before);
    expect(exposition.render(before, 1010, "prometheus").toString()).not.toContain('volume="logs"');
    await preparing;
    expect(exposition.servable("prometheus", after)).toBe(after);
    expect(exposition.render(after, 1010, "prometheus").toString()).toContain('volume="logs"');
  });

  it("ends up serving the newest of several snapshots handed over while a prepare runs", async () => {
    const collector = collectorWith("db");
    const exposition = createExposition();
    exposition.render(collector.current(), 1000, "prometheus");
    const handed = [];
    for (const volume of ["a", "b", "c"]) {
      const snap = mapSiteStatus(siteStatus([groupStatus("db", [volume])], 1010), "acme");
      collector.sinkFor("paris").snapshot(snap, { durationSeconds: 0, samples: 1 });
      handed.push(exposition.prepare(collector.current(), 1010));
    }
    await Promise.all(handed);
    const newest = collector.current();
    expect(exposition.servable("prometheus", newest)).toBe(newest);
    expect(exposition.render(newest, 1010, "prometheus").toString()).toContain('volume="c"');
  });
});
