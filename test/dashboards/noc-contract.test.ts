import { describe, expect, it } from "vitest";
import { entityKey } from "../../collector/delta.ts";
import { THRESHOLDS } from "../../dashboards/thresholds.ts";
// @ts-expect-error: plain browser module without type declarations
import { KEYS } from "../../exporter/noc/state.js";
// @ts-expect-error: plain browser module without type declarations
import { NOC_THRESHOLDS } from "../../exporter/noc/thresholds.js";

/** The warn and crit steps of a rising threshold set. */
const steps = (set: readonly { value: number | null }[]) => ({ warn: set[1]!.value, crit: set[2]!.value });

describe("NOC page contract with the rest of rpowatch", () => {
  it("use the same thresholds as the Grafana panels", () => {
    expect(NOC_THRESHOLDS).toEqual({
      rpoRatio: steps(THRESHOLDS.rpoRatio),
      journalUtilization: steps(THRESHOLDS.journalUtilization),
      linkUtilization: steps(THRESHOLDS.linkUtilization),
      dataAge: steps(THRESHOLDS.dataAge),
      drillAge: steps(THRESHOLDS.drillAge),
    });
  });

  it("keys entities like the live feed's deltas", () => {
    const place = { source: "s", tenant: "t", site: "p", group: "g" };
    const items = {
      groups: place,
      journals: place,
      volumes: { ...place, volume: "v" },
      links: { source: "s", tenant: "t", site: "p", link: "l" },
      interfaces: { source: "s", tenant: "t", site: "p", link: "l", interface: "i" },
      sources: { source: "s" },
    };
    expect(Object.keys(KEYS).sort()).toEqual(Object.keys(entityKey).sort());
    for (const [collection, item] of Object.entries(items)) {
      const key = (entityKey as Record<string, (x: unknown) => string>)[collection]!;
      expect(KEYS[collection](item), collection).toBe(key(item));
    }
  });
});
