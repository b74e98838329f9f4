import { describe, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { GROUP_FIELDS, JOURNAL_FIELDS, mapSiteStatus, VOLUME_FIELDS } from "../../collector/sources/engine-map.ts";
import { createExposition } from "../../exporter/exposition.ts";
import { metrics } from "../../model/metrics.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";

const journal = {
  capacityBytes: 1e9,
  usedBytes: 1e6,
  undistributedBytes: 10,
  oldestRecoverableTimestamp: 1_699_990_000,
  newestRecoverableTimestamp: 1_700_000_000,
  requiredWindowSeconds: 3600,
  achievedWindowSeconds: 10_000,
  trimmedBytesByTime: 1,
  trimmedBytesBySpace: 2,
  storeCapacityBytes: 1e10,
  corruptRecordsTotal: 3,
  pins: [],
};
const recovery = {
  imageAccess: { mode: "test-failover" as const, scratchUsedBytes: 4096, scratchCapacityBytes: 2e8 },
  lastDrillRtoSeconds: 0.25,
};
const status = siteStatus(
  [groupStatus("db", ["data"], { journal, recovery, lastTestFailoverTimestamp: 1_699_000_000 })],
  1000,
);

/** Table entries that name a field of the model's sample (not "unmapped: …", not another entity's "X.y"). */
const modelKeys = (table: Record<string, string>) =>
  Object.values(table).filter((v) => !v.startsWith("unmapped:") && !v.includes("."));

describe("engine status → model", () => {
  it("sets every model field its tables say a status field lands in", () => {
    const g = mapSiteStatus(status, "acme").groups[0]!;
    for (const key of modelKeys(GROUP_FIELDS)) expect(g, key).toHaveProperty(key);
    for (const key of modelKeys(VOLUME_FIELDS)) expect(g.volumes[0], key).toHaveProperty(key);
    for (const key of modelKeys(JOURNAL_FIELDS)) expect(g.journal, key).toHaveProperty(key);
  });

  it("exports the journal's corrupt-record counter", () => {
    const collector = new Collector({
      sources: [{ name: "lyon", kind: "engine", staleAfterSeconds: 60, start() {}, stop: async () => {} }],
      rateWindowSeconds: 60,
    });
    collector.sinkFor("lyon").snapshot(mapSiteStatus(status, "acme"), { durationSeconds: 0, samples: 1 });
    const text = createExposition().render(collector.current(), 1001, "prometheus").toString();
    expect(text).toMatch(new RegExp(`^${metrics.journalCorruptRecords.name}\\{[^}]*group="db"[^}]*\\} 3$`, "m"));
  });

  it("takes each group's side from its direction, and its peer from the link of that direction", () => {
    const site = siteStatus([groupStatus("erp", ["data"]), groupStatus("crm", ["crm"], { direction: "recovery" })]);
    const inbound = { ...site.links[0]!, name: "berlin->paris", peerSite: "berlin" };
    const groups = mapSiteStatus({ ...site, links: [site.links[0]!, inbound] }, "acme").groups;
    expect(groups.map((g) => [g.name, g.role, g.peerSite])).toEqual([
      ["erp", "production", "lyon"],
      ["crm", "recovery", "berlin"],
    ]);
  });
});
