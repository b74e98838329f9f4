import { describe, expect, it } from "vitest";
import { periodBefore, Slots } from "./slots.ts";

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe("a schedule's slots", () => {
  const monthly = new Slots("0 6 1 * *", "UTC");

  it("the next slot is strictly after the time given", () => {
    expect(iso(monthly.after(t("2026-11-30T23:00:00Z")))).toBe("2026-12-01T06:00:00.000Z");
    expect(iso(monthly.after(t("2026-12-01T06:00:00Z")))).toBe("2027-01-01T06:00:00.000Z");
  });

  it("the latest slot includes the time given itself", () => {
    expect(iso(monthly.atOrBefore(t("2026-12-01T06:00:00Z")))).toBe("2026-12-01T06:00:00.000Z");
    expect(iso(monthly.atOrBefore(t("2026-12-01T05:59:59.999Z")))).toBe("2026-11-01T06:00:00.000Z");
    expect(iso(monthly.atOrBefore(t("2027-03-15T00:00:00Z")))).toBe("2027-03-01T06:00:00.000Z");
  });

  it("reads the expression in the schedule's time zone", () => {
    const paris = new Slots("0 6 1 * *", "Europe/Paris");
    expect(iso(paris.after(t("2026-11-30T00:00:00Z")))).toBe("2026-12-01T05:00:00.000Z");
    expect(iso(paris.after(t("2027-06-15T00:00:00Z")))).toBe("2027-07-01T04:00:00.000Z");
  });
});

describe("the period a slot reports", () => {
  it("capacity: the UTC calendar month before the slot's, across a year", () => {
    expect(periodBefore("capacity", t("2026-12-01T06:00:00Z"))).toBe("2026-11");
    expect(periodBefore("capacity", t("2027-01-01T06:00:00Z"))).toBe("2026-12");
    expect(periodBefore("capacity", t("2026-12-31T23:59:59Z"))).toBe("2026-11");
  });

  it("health: the UTC day before the slot's, across a month and a leap day", () => {
    expect(periodBefore("health", t("2026-12-01T06:00:00Z"))).toBe("2026-11-30");
    expect(periodBefore("health", t("2028-03-01T00:30:00Z"))).toBe("2028-02-29");
  });
});
