/**
 * What the NOC sees of recovery operations: the engine's per-group recovery status (image access,
 * test-failover scratch, drills, failover) flows through the collector to /metrics, and a group the
 * engine says nothing about (never drilled, production site) gets no series rather than zeros.
 */
import { describe, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { mapSiteStatus } from "../../collector/sources/engine-map.ts";
import { createExposition } from "../../exporter/exposition.ts";
import { metrics } from "../../model/metrics.ts";
import { groupStatus, siteStatus } from "../collector/support/site-status.ts";

function exposition(groups: ReturnType<typeof groupStatus>[]): string {
  const collector = new Collector({
    sources: [{ name: "dr", kind: "push", staleAfterSeconds: 60, start() {}, stop: async () => {} }],
    rateWindowSeconds: 60,
  });
  collector.sinkFor("dr").snapshot(mapSiteStatus(siteStatus(groups, 1000), "acme"), { durationSeconds: 0, samples: 1 });
  return createExposition().render(collector.current(), 1000, "prometheus").toString();
}

describe("recovery status on /metrics", () => {
  const text = exposition([
    groupStatus("db", ["data"], {
      recovery: {
        imageAccess: { mode: "test-failover", scratchUsedBytes: 900, scratchCapacityBytes: 1000 },
        lastDrillRtoSeconds: 0.25,
      },
    }),
    groupStatus("web", ["www"], { recovery: { imageAccess: { mode: "off" } } }),
    groupStatus("legacy", ["disk"]),
    groupStatus("erp", ["ledger"], {
      state: "failed-over",
      failover: { phase: "fenced", toSite: "lyon", sinceTimestamp: 990 },
    }),
  ]);
  const lines = (name: string) => text.split("\n").filter((l) => l.startsWith(`${name}{`));

  it("exports the image-access mode as a state set, only for groups whose site reports it", () => {
    const modes = lines(metrics.groupImageAccess.name);
    expect(modes.filter((l) => l.includes('group="db"') && l.endsWith(" 1"))).toEqual([
      expect.stringContaining('mode="test-failover"'),
    ]);
    expect(modes.filter((l) => l.includes('group="web"') && l.endsWith(" 1"))).toEqual([
      expect.stringContaining('mode="off"'),
    ]);
    expect(modes.some((l) => l.includes('group="legacy"'))).toBe(false);
  });

  it("exports scratch use and the last drill's RTO only where they exist", () => {
    expect(lines(metrics.groupScratchUsed.name)).toEqual([expect.stringMatching(/group="db".* 900$/)]);
    expect(lines(metrics.groupScratchCapacity.name)).toEqual([expect.stringMatching(/group="db".* 1000$/)]);
    expect(lines(metrics.groupLastDrillRto.name)).toEqual([expect.stringMatching(/group="db".* 0\.25$/)]);
  });

  it("exports the failover phase as a state set: none for an engine group without a failover", () => {
    const current = lines(metrics.groupFailover.name).filter((l) => l.endsWith(" 1"));
    expect(current).toEqual([
      expect.stringMatching(/group="db".*phase="none"/),
      expect.stringMatching(/group="web".*phase="none"/),
      expect.stringMatching(/group="legacy".*phase="none"/),
      expect.stringMatching(/group="erp".*phase="fenced"/),
    ]);
    expect(lines(metrics.groupFailover.name).filter((l) => l.includes('group="erp"'))).toHaveLength(4);
  });
});
