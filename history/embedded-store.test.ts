import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { EmbeddedStore, HistoryStoreError } from "./embedded-store.ts";
import type { Aggregate, HistorySample, Series } from "./store.ts";

const DAY = 86_400;
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const rpo = "rpowatch_group_rpo_seconds";
const finance = { tenant: "acme", site: "prod", group: "finance", source: "engine" };
const payroll = { tenant: "acme", site: "prod", group: "payroll", source: "engine" };

let dir: string;
let clock = T0;
const stores: EmbeddedStore[] = [];
async function open(file = "history.duckdb", retention?: { raw: number; minute: number; hour: number }) {
  const store = await EmbeddedStore.open(join(dir, file), { now: () => clock, ...(retention && { retention }) });
  stores.push(store);
  return store;
}
beforeEach(async () => {
  dir = await makeTempDir("history-embedded");
  clock = T0;
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await removeTempDir(dir);
});

const sample = (labels: Record<string, string>, timestamp: number, value: number): HistorySample => ({
  metric: rpo,
  labels,
  timestamp,
  value,
});
/** Plain arrays of one series, for readable expectations. */
const plain = (s: Series) => ({ labels: s.labels, t: [...s.timestamps], v: [...s.values] });
const query = (store: EmbeddedStore, aggregate: Aggregate, stepSeconds: number, from = T0, to = T0 + 3 * DAY) =>
  store.range({ metric: rpo, match: { group: "finance" }, from, to, stepSeconds, aggregate }).then((r) => r.map(plain));

/** Finance: 10, 40, 20 in the first minute; 5 in the third; nothing in the second. */
const firstMinutes = [
  sample(finance, T0 + 0, 10),
  sample(finance, T0 + 20, 40),
  sample(finance, T0 + 40, 20),
  sample(finance, T0 + 125, 5),
  sample(payroll, T0 + 10, 999),
];

describe("embedded history store", () => {
  it("answers min, mean, max and last per step from raw samples; a step without samples is absent", async () => {
    const store = await open();
    await store.write(firstMinutes);
    const t = [T0, T0 + 120];
    expect(await query(store, "min", 60)).toEqual([{ labels: finance, t, v: [10, 5] }]);
    expect(await query(store, "mean", 60)).toEqual([{ labels: finance, t, v: [70 / 3, 5] }]);
    expect(await query(store, "max", 60)).toEqual([{ labels: finance, t, v: [40, 5] }]);
    expect(await query(store, "last", 60)).toEqual([{ labels: finance, t, v: [20, 5] }]);
  });

  it("returns every series of a metric without a matcher, and nothing for an unknown metric or label", async () => {
    const store = await open();
    await store.write(firstMinutes);
    const all = await store.range({ metric: rpo, from: T0, to: T0 + DAY, stepSeconds: 3600, aggregate: "max" });
    expect(all.map(plain)).toEqual([
      { labels: finance, t: [T0], v: [40] },
      { labels: payroll, t: [T0], v: [999] },
    ]);
    expect(
      await store.range({ metric: "rpowatch_nothing", from: T0, to: T0 + DAY, stepSeconds: 60, aggregate: "max" }),
    ).toEqual([]);
    expect(
      await store.range({
        metric: rpo,
        match: { group: "hr" },
        from: T0,
        to: T0 + DAY,
        stepSeconds: 60,
        aggregate: "max",
      }),
    ).toEqual([]);
  });

  it("keeps every sample of a batch larger than one appended chunk, with fresh label objects for known series", async () => {
    const store = await open();
    // 3 series × 2,000 minutes: 6,000 rows of one metric, about three data chunks.
    const groups = ["a", "b", "c"].map((group) => ({ ...finance, group }));
    const batch = groups.flatMap((labels, g) =>
      Array.from({ length: 2000 }, (_, m) => sample(labels, T0 + m * 60, g * 10_000 + m)),
    );
    await store.write(batch);
    await store.write([sample({ ...groups[1]! }, T0 + 2000 * 60, -1)]);
    const all = await store.range({ metric: rpo, from: T0, to: T0 + 2 * DAY, stepSeconds: 60, aggregate: "last" });
    expect(all.map((s) => s.labels.group)).toEqual(["a", "b", "c"]);
    all.forEach((s, g) => {
      const expected = Array.from({ length: 2000 }, (_, m) => g * 10_000 + m);
      expect([...s.values]).toEqual(g === 1 ? [...expected, -1] : expected);
      expect(s.timestamps[1999]).toBe(T0 + 1999 * 60);
    });
  });

  it("keeps the same answers once raw samples are rolled into the 1-minute tier and raw retention removed them", async () => {
    const store = await open();
    await store.write(firstMinutes);
    const before = await Promise.all((["min", "mean", "max", "last"] as const).map((a) => query(store, a, 60)));
    clock = T0 + 8 * DAY;
    await store.maintain();
    const after = await Promise.all((["min", "mean", "max", "last"] as const).map((a) => query(store, a, 60)));
    expect(after).toEqual(before);
    // Raw samples are gone: a 20-second step cannot be answered from 1-minute buckets.
    expect(await query(store, "max", 20)).toEqual([]);
  });

  it("keeps the peak and the exact mean in the hourly tier after the minute tier expired", async () => {
    const store = await open();
    await store.write([...firstMinutes, sample(finance, T0 + 3599, 7)]);
    clock = T0 + 91 * DAY;
    await store.maintain();
    const day = (a: Aggregate) => query(store, a, DAY, T0, T0 + DAY);
    expect(await day("max")).toEqual([{ labels: finance, t: [T0], v: [40] }]);
    expect(await day("min")).toEqual([{ labels: finance, t: [T0], v: [5] }]);
    expect(await day("mean")).toEqual([{ labels: finance, t: [T0], v: [(10 + 40 + 20 + 5 + 7) / 5] }]);
    expect(await day("last")).toEqual([{ labels: finance, t: [T0], v: [7] }]);
    expect(await query(store, "max", 60)).toEqual([]);
  });

  it("counts a late sample (e.g. replayed from the buffer) exactly once, before and after its minute is rolled again", async () => {
    const store = await open();
    await store.write(firstMinutes);
    clock = T0 + DAY;
    await store.maintain();
    await store.write([sample(finance, T0 + 30, 70)]);
    const expected = [{ labels: finance, t: [T0, T0 + 120], v: [(10 + 40 + 20 + 70) / 4, 5] }];
    expect(await query(store, "mean", 60)).toEqual(expected);
    await store.maintain();
    expect(await query(store, "mean", 60)).toEqual(expected);
    expect(await query(store, "max", 60)).toEqual([{ labels: finance, t: [T0, T0 + 120], v: [70, 5] }]);
    clock = T0 + 100 * DAY;
    await store.maintain();
    expect(await query(store, "mean", 3600)).toEqual([{ labels: finance, t: [T0], v: [(10 + 40 + 20 + 70 + 5) / 5] }]);
  });

  it("keeps no NaN or infinite value: an unknown value is absent, not a number", async () => {
    const store = await open();
    await store.write([
      sample(finance, T0, Number.NaN),
      sample(finance, T0 + 60, Number.POSITIVE_INFINITY),
      sample(finance, T0 + 120, 3),
    ]);
    expect(await query(store, "max", 60)).toEqual([{ labels: finance, t: [T0 + 120], v: [3] }]);
  });

  it("keeps its history and tiers across a reopen, and a read-only reader sees it", async () => {
    const first = await open();
    await first.write(firstMinutes);
    clock = T0 + 8 * DAY;
    await first.maintain();
    await first.close();
    stores.splice(0);
    const reader = await EmbeddedStore.open(join(dir, "history.duckdb"), { readOnly: true, now: () => clock });
    stores.push(reader);
    expect(await query(reader, "max", 60)).toEqual([{ labels: finance, t: [T0, T0 + 120], v: [40, 5] }]);
    await expect(reader.write(firstMinutes)).rejects.toThrow(/read-only/);
  });

  it("refuses a corrupt store file with a clear error and leaves the file as it was", async () => {
    const file = join(dir, "corrupt.duckdb");
    const garbage = Buffer.alloc(64 * 1024, 0x5a);
    await writeFile(file, garbage);
    const opening = EmbeddedStore.open(file);
    await expect(opening).rejects.toThrow(HistoryStoreError);
    await expect(opening).rejects.toThrow(
      new RegExp(`history store ${file} cannot be opened: it is not a DuckDB database or it is damaged`),
    );
    expect(await readFile(file)).toEqual(garbage);
  });

  it("refuses a DuckDB file that is not an rpowatch history", async () => {
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const file = join(dir, "other.duckdb");
    const other = await DuckDBInstance.create(file);
    const c = await other.connect();
    await c.run("CREATE TABLE t (x INTEGER)");
    c.closeSync();
    other.closeSync();
    await expect(EmbeddedStore.open(file, { readOnly: true })).rejects.toThrow(
      /is not an rpowatch history \(no meta table\)/,
    );
  });
});
