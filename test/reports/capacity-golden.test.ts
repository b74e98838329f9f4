/**
 * The monthly capacity report from the embedded history store, against a month of fixture data
 * (fixture-month.ts) whose figures are worked out by hand below.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../../history/embedded-store.ts";
import { NoHistoryError, readCapacityReport } from "../../reports/capacity/build.ts";
import type { CapacityReport, ChangeRow } from "../../reports/capacity-report.ts";
import { monthPeriod } from "../../reports/period.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { daySamples, FROM, JOURNAL_CAPACITY, LIMIT, MINUTES, MONTH, STEP } from "./fixture-month.ts";

const NOW = FROM + 32 * 86400; // 2026-12-03
let dir: string;
let store: EmbeddedStore;
let report: CapacityReport;
const progress: string[] = [];

beforeAll(async () => {
  dir = await makeTempDir("reports-golden");
  store = await EmbeddedStore.open(join(dir, "history.duckdb"), { now: () => NOW });
  for (let day = 1; day <= 30; day++) await store.write(daySamples(day));
  report = await readCapacityReport(
    store,
    monthPeriod(MONTH, NOW),
    { tenant: "acme", generatedAt: NOW },
    (done, total, day) => progress.push(`${done}/${total} ${day}`),
  );
});
afterAll(async () => {
  await store?.close();
  await removeTempDir(dir);
});

const MEASURED = MINUTES - 120; // the 2-hour hole on the 20th
const SPAN = (MINUTES - 1) * 60; // first to last sample
// Counters read 0 at the first minute, so the month's change starts at its second minute.
const DB_TOTAL = 6e7 * (STEP - 1) + 1.2e8 * (MINUTES - STEP);
const LOGS_TOTAL = 3e7 * (MINUTES - 1);
const ERP_TOTAL = DB_TOTAL + LOGS_TOTAL;
const ERP_RATE = ERP_TOTAL / SPAN;
const WIRE_TOTAL = 4.5e7 * (STEP - 1) + 7.5e7 * (MINUTES - STEP); // the outage's missing bytes are sent in the drain
/** Least squares through 28 days (2nd to 29th) with a step of h after the 14th: slope h × 98 / 1827. */
const stepSlope = (h: number) => (h * 98) / 1827;

const change = (level: ChangeRow["level"], name?: string) =>
  report.change.find((c) => c.level === level && (name === undefined || c.volume === name));

describe("monthly capacity report from the embedded store (fixture month 2026-11, tenant acme)", () => {
  it("reads the month a day at a time and says so", () => {
    expect(progress).toHaveLength(30);
    expect(progress[0]).toBe("1/30 2026-11-01");
    expect(progress[29]).toBe("30/30 2026-11-30");
  });

  it("covers the month and names the 2-hour hole in history instead of filling it", () => {
    expect(report.from).toBe("2026-11-01T00:00:00.000Z");
    expect(report.to).toBe("2026-12-01T00:00:00.000Z");
    expect(report.days).toHaveLength(30);
    expect(report.coverage).toEqual({
      minutes: MINUTES,
      coveredMinutes: MEASURED,
      gaps: [{ start: "2026-11-20T10:00Z", end: "2026-11-20T12:00Z", minutes: 120 }],
    });
  });

  it("holds only the tenant asked for", () => {
    expect(new Set(report.change.map((c) => c.tenant))).toEqual(new Set(["acme"]));
    expect(report.rpo.map((r) => r.group)).toEqual(["erp"]);
  });

  it("volume db: change per day with the step on the 16th, average over the measured span, p95 and peak per minute", () => {
    const db = change("volume", "db")!;
    expect(db.dailyBytes[0]).toBe(1439 * 6e7); // the first minute's writes precede history
    expect(db.dailyBytes[14]).toBe(1440 * 6e7);
    expect(db.dailyBytes[15]).toBe(1440 * 1.2e8);
    expect(db.dailyBytes[19]).toBe(1440 * 1.2e8); // the hole's writes are counted after it, same day
    expect(db.totalBytes).toBe(DB_TOTAL);
    expect(db.averageBytesPerSecond).toBeCloseTo(DB_TOTAL / SPAN, 6);
    expect(db.averageDailyBytes).toBeCloseTo((DB_TOTAL / SPAN) * 86400, 0);
    // 21,599 minutes at 1 MB/s, 21,479 at 2 MB/s (the hole and the minute after it have no rate).
    expect(db.p95BytesPerSecond).toBe(2e6);
    expect(db.peakBytesPerSecond).toBe(2e6);
    expect(db.compressionRatio).toBe(2);
    expect(db.compressedTotalBytes).toBe(DB_TOTAL / 2);
  });

  it("group, site and tenant sum their volumes; the tenant row has no single compression ratio", () => {
    for (const level of ["group", "site", "tenant"] as const) {
      const row = change(level)!;
      expect(row.totalBytes).toBe(ERP_TOTAL);
      expect(row.p95BytesPerSecond).toBe(2.5e6);
      expect(row.peakBytesPerSecond).toBe(2.5e6);
    }
    expect(change("group")!.compressedTotalBytes).toBe(ERP_TOTAL / 2);
    expect(change("tenant")!.compressionRatio).toBeNull();
  });

  it("link wan: wire bytes per day and month, utilization against its limit, 20 minutes at the limit, the outage", () => {
    const [wan] = report.links;
    expect(wan).toMatchObject({
      tenant: "acme",
      site: "paris",
      link: "wan",
      wireBytes: WIRE_TOTAL,
      rawBytes: 2 * WIRE_TOTAL,
      compressionRatio: 2,
      limitBytesPerSecond: LIMIT,
      throughputP95BytesPerSecond: 1.25e6,
      throughputPeakBytesPerSecond: LIMIT,
      utilizationPeak: 1,
      outages: [{ start: "2026-11-10T02:00Z", end: "2026-11-10T03:00Z", minutes: 60 }],
    });
    expect(wan!.dailyWireBytes[9]).toBe(1440 * 4.5e7); // outage day: the drain sends what the outage held back
    expect(wan!.utilizationP95).toBeCloseTo(1.25e6 / LIMIT, 12);
    expect(wan!.hoursAtLimit).toBeCloseTo(20 / 60, 12);
  });

  it("RPO of erp: 50 minutes beyond 30 min in two incidents, worst first", () => {
    expect(report.rpo).toEqual([
      {
        tenant: "acme",
        site: "paris",
        group: "erp",
        targetSeconds: 1800,
        targetAssumed: false,
        measuredMinutes: MEASURED,
        maxSeconds: 3600,
        p95Seconds: 5,
        // outage minutes 31–60 (RPO 1860…3600 s) and drain minutes 1–10 (3600…1980 s); the 10-minute breach on the 25th
        minutesBeyondTarget: 50,
        dailyMaxSeconds: Array.from({ length: 30 }, (_, d) => (d === 9 ? 3600 : d === 24 ? 2400 : 5)),
        compliance: (MEASURED - 50) / MEASURED,
        worstIncidents: [
          { start: "2026-11-10T02:30Z", end: "2026-11-10T03:10Z", minutes: 40, peakRpoSeconds: 3600 },
          { start: "2026-11-25T14:00Z", end: "2026-11-25T14:10Z", minutes: 10, peakRpoSeconds: 2400 },
        ],
      },
    ]);
  });

  it("protection of erp: the window dip on the 28th, peak journal use, the bitmap day; flow control is not measured", () => {
    const [erp] = report.protection;
    expect(erp).toMatchObject({
      requiredWindowSeconds: 86400,
      achievedMinSeconds: 80000,
      minutesShortOfWindow: 120,
      journalCapacityBytes: JOURNAL_CAPACITY,
      journalPeakUtilization: 0.9,
      bitmapDays: ["2026-11-15"],
      flowControlDays: null,
    });
    expect(erp!.achievedAverageSeconds).toBeCloseTo((90000 * (MEASURED - 120) + 80000 * 120) / MEASURED, 6);
  });

  it("sizing: EMC journal and InMage retention at the measured rate, Analyzer bandwidth against the 3 MB/s limit", () => {
    const [journal] = report.sizing.journals;
    expect(journal!.changeRateBytesPerSecond).toBeCloseTo(ERP_RATE, 6);
    expect(journal!.recommendedJournalBytes).toBeCloseTo((1.05 * ERP_RATE * 86400) / (1 - 0.2), 0);
    expect(journal!.retentionStorageBytes).toBeCloseTo((ERP_RATE * 86400 * 24) / 24, 0);
    expect(journal!.floorApplied).toBe(false);

    const [bw] = report.sizing.bandwidth;
    const kbit = (bytesPerSecond: number) => (bytesPerSecond / 2 ** 20) * 8192;
    expect(bw!.availableKbitPerSecond).toBe(kbit(LIMIT)); // 23437.5
    expect(bw!.averageRaw!.requiredKbitPerSecond).toBeCloseTo(kbit(ERP_RATE) * 1.35, 6);
    expect(bw!.averageRaw!.achievable).toBe(true); // ≈ 21,094 Kbit/s
    expect(bw!.averageCompressed!.requiredKbitPerSecond).toBeCloseTo(kbit(ERP_RATE / 2) * 1.35, 6);
    expect(bw!.peakRaw).toEqual({
      bytesPerSecond: 2.5e6,
      requiredKbitPerSecond: kbit(2.5e6) * 1.35,
      achievable: false,
    });
    expect(bw!.peakCompressed).toEqual({
      bytesPerSecond: 1.25e6,
      requiredKbitPerSecond: kbit(1.25e6) * 1.35,
      achievable: true,
    });
  });

  it("forecast at the month's growth: the journal stops holding its window on 2026-12-13, the link saturates on 2027-01-06", () => {
    // Daily change of erp on the 2nd–29th: 1.296e11 B, then 2.16e11 B from the 16th.
    const slope = stepSlope(2.16e11 - 1.296e11);
    const intercept = (1.296e11 + 2.16e11) / 2 - slope * 14.5;
    const limitDaily = (JOURNAL_CAPACITY * 0.8) / 1.05;
    expect((limitDaily - intercept) / slope).toBeCloseTo(42.97, 2);
    const [journal] = report.forecast.journals;
    expect(journal!.dailyChangeSlopeBytes).toBeCloseTo(slope, 0);
    expect(journal!.growthPerMonth).toBeCloseTo((slope * 30) / 1.728e11, 9);
    expect(journal).toMatchObject({ status: "date", date: "2026-12-13" });

    // Wire bytes a day: 6.48e10, then 1.08e11; p95 utilization 1.25/3 reached at the mean level 8.64e10.
    const wireSlope = stepSlope(1.08e11 - 6.48e10);
    const wireIntercept = 8.64e10 - wireSlope * 14.5;
    expect((8.64e10 / (1.25 / 3) - wireIntercept) / wireSlope).toBeCloseTo(66.7, 1);
    expect(report.forecast.links[0]).toMatchObject({ status: "date", date: "2027-01-06" });
  });

  it("opens with the top risks in plain words, ordered by consequence", () => {
    expect(report.risks.map((r) => r.category)).toEqual([
      "rpo-missed",
      "window-short",
      "bitmap",
      "link-outage",
      "bandwidth",
      "forecast",
      "forecast",
      "missing-data",
    ]);
    expect(report.risks[0]!.text).toBe(
      "Group erp (paris) was beyond its RPO target of 30.00 min for 50 min (99.88 % of measured time within target); " +
        "worst from 2026-11-10T02:30Z to 2026-11-10T03:10Z, RPO up to 1.00 h.",
    );
    expect(report.risks[5]!.text).toContain("stops holding its window on 2026-12-13");
    expect(report.risks[7]!.text).toBe(
      "History has no samples for 120 of 43200 min (1 gap(s)); figures cover the measured time only.",
    );
  });

  it("refuses a tenant without data: nothing to report", async () => {
    await expect(
      readCapacityReport(store, monthPeriod(MONTH, NOW), { tenant: "initech", generatedAt: NOW }),
    ).rejects.toThrow(NoHistoryError);
  });

  it("refuses a month history holds nothing for", async () => {
    await expect(readCapacityReport(store, monthPeriod("2026-10", NOW), { generatedAt: NOW })).rejects.toThrow(
      /history holds no samples in 2026-10/,
    );
  });
});

describe("the report period", () => {
  it("refuses a month that has not started, and text that is not a month", () => {
    expect(() => monthPeriod("2027-01", NOW)).toThrow(/2027-01 has not started yet/);
    expect(() => monthPeriod("2026-13", NOW)).toThrow(/month "2026-13" is not a month: expected YYYY-MM/);
  });

  it("ends a running month at the current minute", () => {
    const p = monthPeriod("2026-12", NOW + 30.5);
    expect(p.to).toBe(NOW);
    expect(p.end).toBe(Date.UTC(2027, 0, 1) / 1000);
  });
});
