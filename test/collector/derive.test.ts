import { describe, expect, it } from "vitest";
import { bottleneck, drainForecast, totalBacklog } from "../../collector/derive/backlog.ts";
import { counterValue, foldCounter } from "../../collector/derive/counter.ts";
import { groupStateShown } from "../../collector/derive/group-state.ts";
import { fullWindowBytes, journalFigures } from "../../collector/derive/journal.ts";
import { linkFigures } from "../../collector/derive/link.ts";
import { ratioOr, windowSlope } from "../../collector/derive/rate.ts";
import { groupRpoSeconds, recoveryPointTimestamp, rpoTargetRatio } from "../../collector/derive/rpo.ts";
import { dataAgeSeconds } from "../../collector/derive/staleness.ts";
import { stateSet } from "../../collector/derive/state.ts";
import { SeriesMemory } from "../../collector/series-memory.ts";
import { buildSourceView } from "../../collector/source-view.ts";
import { mapSiteStatus } from "../../collector/sources/engine-map.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";

const Inf = Number.POSITIVE_INFINITY;

const DAY = 86_400;

describe("group state shown", () => {
  it("an active group whose site has no link up reads error: nothing flows", () => {
    expect(groupStateShown("active", false)).toBe("error");
    expect(groupStateShown("active", true)).toBe("active");
  });
  it("keeps every other state, and the measured one where the source reports no link", () => {
    for (const state of ["initializing", "resyncing", "paused", "bitmap", "error"] as const) {
      expect(groupStateShown(state, false)).toBe(state);
    }
    expect(groupStateShown("active", undefined)).toBe("active");
  });
});

describe("RPO", () => {
  it("group RPO is the maximum of the group's and its volumes' RPO", () => {
    expect(groupRpoSeconds(3, [1, 7, 2])).toBe(7);
    expect(groupRpoSeconds(9, [1, 7])).toBe(9);
    expect(groupRpoSeconds(0, [])).toBe(0);
  });
  it("ratio to target", () => {
    expect(rpoTargetRatio(1440, 1800)).toBe(0.8);
    expect(rpoTargetRatio(0, 0)).toBe(0);
    expect(rpoTargetRatio(5, 0)).toBe(Inf);
  });
  it("recovery point: reported, else observation time minus RPO", () => {
    expect(recoveryPointTimestamp(1000, 2000, 30)).toBe(1000);
    expect(recoveryPointTimestamp(undefined, 2000, 30)).toBe(1970);
  });
});

describe("counters and rates", () => {
  it("folds resets so the counter never decreases", () => {
    let s = foldCounter(undefined, 100);
    s = foldCounter(s, 150);
    expect(counterValue(s)).toBe(150);
    s = foldCounter(s, 20); // source restarted: it lost 150
    expect(counterValue(s)).toBe(170);
    s = foldCounter(s, 50);
    expect(counterValue(s)).toBe(200);
  });
  it("window slope is (last − first) / elapsed", () => {
    expect(
      windowSlope([
        { t: 0, v: 100 },
        { t: 5, v: 120 },
        { t: 10, v: 300 },
      ]),
    ).toBe(20);
    expect(
      windowSlope([
        { t: 0, v: 300 },
        { t: 10, v: 100 },
      ]),
    ).toBe(-20);
    expect(windowSlope([{ t: 3, v: 1 }])).toBe(0);
    expect(ratioOr(6, 3, 9)).toBe(2);
    expect(ratioOr(6, 0, 9)).toBe(9);
  });
  it("change rate over the window folds a reset in and forgets points older than the window", () => {
    const m = new SeriesMemory(10).entity("volume");
    expect(m.counter(0, 0, 1000).rate).toBe(0);
    expect(m.counter(0, 5, 1500).rate).toBe(100);
    // Reset at t=10: the source now reports 200, i.e. 200 new bytes since its restart → 1700 total.
    expect(m.counter(0, 10, 200)).toEqual({ total: 1700, rate: 70 });
    // At t=20 the t=0 and t=5 points are older than the 10 s window: (2700 − 1700) / (20 − 10).
    expect(m.counter(0, 20, 1200)).toEqual({ total: 2700, rate: 100 });
    // Another slot of the same entity is independent: a gauge's slope may be negative.
    expect(m.gauge(1, 0, 50)).toBe(0);
    expect(m.gauge(1, 10, 30)).toBe(-2);
    // A counter kept for its total only folds resets the same way.
    expect([m.total(2, 1000), m.total(2, 1500), m.total(2, 200)]).toEqual([1000, 1500, 1700]);
  });
  it("entities not seen in an update are forgotten", () => {
    const memory = new SeriesMemory(10);
    memory.entity("a");
    memory.entity("b");
    memory.sweep();
    memory.entity("a");
    memory.sweep();
    expect(memory.size).toBe(1);
  });
  it("a member (a group's volume) missing from one update starts afresh when it comes back", () => {
    const memory = new SeriesMemory(10);
    const update = (volumes: Array<[string, number]>, t: number) => {
      const group = memory.entity("group");
      const totals = volumes.map(([name, raw]) => group.member(name).counter(0, t, raw).total);
      memory.sweep();
      return totals;
    };
    expect(
      update(
        [
          ["a", 1000],
          ["b", 1000],
        ],
        0,
      ),
    ).toEqual([1000, 1000]);
    expect(update([["a", 1200]], 5)).toEqual([1200]);
    // Had "b" been remembered, 500 < 1000 would have been folded as a counter reset into 1500.
    expect(
      update(
        [
          ["a", 1300],
          ["b", 500],
        ],
        10,
      ),
    ).toEqual([1300, 500]);
  });
});

describe("backlog, bottleneck and drain forecast", () => {
  it("total and location with the largest share", () => {
    const backlog = { production: 600, in_flight: 300, recovery: 100 };
    expect(totalBacklog(backlog)).toBe(1000);
    expect(bottleneck(backlog)).toBe("production");
    expect(bottleneck({ production: 100, in_flight: 800, recovery: 100 })).toBe("in_flight");
    expect(bottleneck({ production: 0, in_flight: 10, recovery: 990 })).toBe("recovery");
    expect(bottleneck({ production: 0, in_flight: 0, recovery: 0 })).toBe("none");
    // No majority: the largest share still names it; ties go downstream.
    expect(bottleneck({ production: 400, in_flight: 350, recovery: 250 })).toBe("production");
    expect(bottleneck({ production: 500, in_flight: 500, recovery: 0 })).toBe("in_flight");
  });
  it("drains: change 1 MB/s, backlog shrinking 0.5 MB/s → drain 1.5 MB/s, 60 MB gone in 120 s", () => {
    const f = drainForecast({
      backlogBytes: 60e6,
      backlogSlope: -0.5e6,
      changeRateBytesPerSecond: 1e6,
      rpoSeconds: 30,
      rpoTargetSeconds: 1800,
    });
    expect(f).toEqual({ drainRateBytesPerSecond: 1.5e6, etaSeconds: 120, etaValid: true, rpoAtRisk: false });
  });
  it("not at risk with an RPO of 0, even with undistributed bytes that are not shrinking (an idle healthy group)", () => {
    const idle = { backlogSlope: 0, changeRateBytesPerSecond: 0, rpoSeconds: 0, rpoTargetSeconds: 1800 };
    // The backlog of an idle group wobbles between 0 and a few undistributed bytes: the flag holds still.
    for (const backlogBytes of [0, 4096, 0, 512])
      expect(drainForecast({ ...idle, backlogBytes }).rpoAtRisk).toBe(false);
    expect(drainForecast({ ...idle, backlogBytes: 4096, rpoSeconds: 3 }).rpoAtRisk).toBe(true);
  });
  it("at risk when RPO + ETA passes the target", () => {
    const f = drainForecast({
      backlogBytes: 60e6,
      backlogSlope: -0.5e6,
      changeRateBytesPerSecond: 1e6,
      rpoSeconds: 1700,
      rpoTargetSeconds: 1800,
    });
    expect(f.etaSeconds).toBe(120);
    expect(f.rpoAtRisk).toBe(true); // 1700 + 120 > 1800
  });
  it("a growing or flat backlog has no ETA and puts the RPO at risk", () => {
    const growing = drainForecast({
      backlogBytes: 1e6,
      backlogSlope: 2e5,
      changeRateBytesPerSecond: 1e6,
      rpoSeconds: 1,
      rpoTargetSeconds: 1800,
    });
    expect(growing).toEqual({ drainRateBytesPerSecond: 8e5, etaSeconds: Inf, etaValid: false, rpoAtRisk: true });
    const stalled = drainForecast({
      backlogBytes: 1e6,
      backlogSlope: 0,
      changeRateBytesPerSecond: 0,
      rpoSeconds: 1,
      rpoTargetSeconds: 1800,
    });
    expect(stalled).toMatchObject({ etaValid: false, rpoAtRisk: true });
  });
  it("no backlog: nothing to drain, not at risk", () => {
    const f = drainForecast({
      backlogBytes: 0,
      backlogSlope: -100,
      changeRateBytesPerSecond: 50,
      rpoSeconds: 0,
      rpoTargetSeconds: 1800,
    });
    expect(f).toEqual({ drainRateBytesPerSecond: 150, etaSeconds: 0, etaValid: true, rpoAtRisk: false });
  });
});

describe("link and journal", () => {
  it("link throughput, utilization against the limit, compression", () => {
    expect(linkFigures({ wireBytesPerSecond: 5e6, rawBytesPerSecond: 1.5e7, limitBytesPerSecond: 1e7 })).toEqual({
      throughputBytesPerSecond: 5e6,
      utilizationRatio: 0.5,
      compressionRatio: 3,
    });
    // Unlimited and idle.
    expect(linkFigures({ wireBytesPerSecond: 0, rawBytesPerSecond: 0, limitBytesPerSecond: 0 })).toEqual({
      throughputBytesPerSecond: 0,
      utilizationRatio: 0,
      compressionRatio: 1,
    });
  });
  it("journal utilization, window ratio and time to full", () => {
    expect(
      journalFigures({
        capacityBytes: 1000,
        usedBytes: 250,
        achievedWindowSeconds: 5400,
        requiredWindowSeconds: 7200,
        fillRateBytesPerSecond: 5,
      }),
    ).toEqual({ utilizationRatio: 0.25, windowRatio: 0.75, fullEtaSeconds: 150 });
    expect(
      journalFigures({
        capacityBytes: 0,
        usedBytes: 0,
        achievedWindowSeconds: 10,
        requiredWindowSeconds: 0,
        fillRateBytesPerSecond: -1,
      }),
    ).toEqual({ utilizationRatio: 0, windowRatio: 1, fullEtaSeconds: Inf });
  });
});

describe("the size of a full protection window", () => {
  it("is used / window ratio, absent while no window is held", () => {
    expect(fullWindowBytes(250, 0.25)).toBe(1000);
    expect(fullWindowBytes(900, 1.125)).toBe(800);
    expect(fullWindowBytes(0, 0)).toBeUndefined();
  });

  it("stays flat while a young journal fills toward its window, then grows only with the change rate", () => {
    const memory = new SeriesMemory(60);
    // 1 kB/s for a 600 s window: at t the journal holds t seconds (used 1000 t) until it is full.
    const at = (t: number, bytesPerSecond = 1000) => {
      const held = Math.min(t, 600);
      const journal = {
        capacityBytes: 1e6,
        usedBytes: bytesPerSecond * held,
        undistributedBytes: 0,
        oldestRecoverableTimestamp: t - held,
        newestRecoverableTimestamp: t,
        requiredWindowSeconds: 600,
        achievedWindowSeconds: held,
        trimmedBytesByTime: 0,
        trimmedBytesBySpace: 0,
        storeCapacityBytes: 1e9,
        corruptRecordsTotal: 0,
        pins: [],
      };
      const status = siteStatus([groupStatus("db", ["data"], { journal })], t);
      return buildSourceView("lyon", mapSiteStatus(status, "acme"), memory).journals[0]!.derived;
    };
    expect(at(0).fullWindowBytes).toBeUndefined();
    for (let t = 60; t < 600; t += 60) {
      const d = at(t);
      expect(d.fillRateBytesPerSecond).toBeGreaterThan(0);
      expect(d.fullWindowBytes).toBeCloseTo(600_000, 3);
      expect(d.fullWindowCycleMaxBytes).toBeCloseTo(600_000, 3);
      // Less than a day old: nothing to compare with yet.
      expect(d.fullWindowCycleAgoBytes).toBeUndefined();
    }
    // A day on, the change rate doubled: the day's peak is today's size, a day ago it was half.
    for (let t = 600; t < DAY; t += 60) at(t);
    const doubled = at(DAY + 60, 2000);
    expect(doubled.fullWindowBytes).toBeCloseTo(1_200_000, 3);
    expect(doubled.fullWindowCycleMaxBytes).toBeCloseTo(1_200_000, 3);
    expect(doubled.fullWindowCycleAgoBytes).toBeCloseTo(600_000, 3);
  });

  it("keeps a gauge minute by minute for a day: its peak over the day and its value a day ago, as PromQL's max_over_time and offset", () => {
    const m = new SeriesMemory(60).entity("journal");
    // A daily cycle sampled every 10 s: 100 at midnight, 300 at noon.
    const cycle = (t: number) => 200 - 100 * Math.cos((2 * Math.PI * t) / DAY);
    let last = { max: 0 } as { max: number; ago?: number };
    for (let t = 0; t <= DAY + 3600; t += 10) last = m.cycle(0, t, cycle(t), DAY);
    // At 1 am on day two: the peak of the last day is noon's, the value a day ago 1 am's.
    expect(last.max).toBeCloseTo(300, 1);
    expect(last.ago).toBeCloseTo(cycle(3600), 0);
    // A gap longer than the 5 min lookback around the day-ago instant: no value a day ago.
    const gappy = new SeriesMemory(60).entity("journal");
    gappy.cycle(0, 0, 5, DAY);
    expect(gappy.cycle(0, DAY + 600, 7, DAY)).toEqual({ max: 7 });
    const onTime = new SeriesMemory(60).entity("journal");
    onTime.cycle(0, 0, 5, DAY);
    expect(onTime.cycle(0, DAY, 9, DAY)).toEqual({ max: 9, ago: 5 });
  });
});

describe("state sets and staleness", () => {
  it("one-hot state set", () => {
    expect(stateSet(["up", "connecting", "down"], "down")).toEqual([
      ["up", 0],
      ["connecting", 0],
      ["down", 1],
    ]);
  });
  it("data age from the source's newest data", () => {
    expect(dataAgeSeconds(1000, 1012.5)).toBe(12.5);
    expect(dataAgeSeconds(1000, 990)).toBe(0); // source clock ahead: never negative
    expect(dataAgeSeconds(0, 1000)).toBe(Inf);
  });
});
