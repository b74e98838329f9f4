/**
 * One group, one RPO: the group's RPO is the production site's figure; the recovery site's
 * upper-bound estimate is exported as the age of its newest recoverable point, never as group RPO.
 */
import { describe, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { mapSiteStatus } from "../../collector/sources/engine-map.ts";
import { createExposition } from "../../exporter/exposition.ts";
import { metrics } from "../../model/metrics.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";

const T = 1_700_000_000;
const volume = (rpoSeconds: number) => ({
  name: "data",
  sizeBytes: 64 * 1024 ** 2,
  writtenBytesTotal: 1_000_000,
  writeOpsTotal: 250,
  trimmedBytesTotal: 0,
  rpoSeconds,
});
const production = siteStatus([groupStatus("db", [], { rpoSeconds: 0, volumes: [volume(0)] })], T);
const recovery = {
  ...siteStatus([groupStatus("db", [], { direction: "recovery", rpoSeconds: 0.67, volumes: [volume(0)] })], T),
  site: "lyon",
  role: "recovery" as const,
};

function render(): string {
  const source = (name: string) => ({
    name,
    kind: "engine" as const,
    staleAfterSeconds: 60,
    start() {},
    stop: async () => {},
  });
  const collector = new Collector({ sources: [source("paris"), source("lyon")], rateWindowSeconds: 60 });
  collector.sinkFor("paris").snapshot(mapSiteStatus(production, "acme"), { durationSeconds: 0, samples: 1 });
  collector.sinkFor("lyon").snapshot(mapSiteStatus(recovery, "acme"), { durationSeconds: 0, samples: 1 });
  return createExposition().render(collector.current(), T, "prometheus").toString();
}

const series = (text: string, name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`));

describe("group RPO across the two sites of a pair", () => {
  it("exports exactly one group RPO per group, the production site's", () => {
    const rpo = series(render(), metrics.groupRpo.name);
    expect(rpo).toHaveLength(1);
    expect(rpo[0]).toMatch(/site="paris"/);
    expect(rpo[0]).toMatch(/ 0$/);
  });

  it("exports one RPO-to-target ratio per group, from the same figure", () => {
    const ratio = series(render(), metrics.groupRpoTargetRatio.name);
    expect(ratio).toHaveLength(1);
    expect(ratio[0]).toMatch(/site="paris"/);
  });

  it("exports the recovery site's estimate as the age of its newest recoverable point", () => {
    const age = series(render(), metrics.groupRecoveryPointAge.name);
    expect(age).toHaveLength(1);
    expect(age[0]).toMatch(/site="lyon"/);
    expect(age[0]).toMatch(/ 0\.67$/);
  });

  it("exports the drain forecast and rpo_at_risk once per group, from the production site's figures", () => {
    // Both sites here count the volume's writes, so each could compute a forecast of its own.
    const text = render();
    for (const metric of [
      metrics.groupDrainRate,
      metrics.groupDrainEta,
      metrics.groupDrainEtaValid,
      metrics.groupRpoAtRisk,
    ]) {
      const lines = series(text, metric.name);
      expect(lines, metric.name).toHaveLength(1);
      expect(lines[0]).toMatch(/site="paris"/);
    }
    // The recovery site's change rate is a measurement, not a forecast: it stays.
    expect(series(text, metrics.groupChangeRate.name)).toHaveLength(2);
  });
});
