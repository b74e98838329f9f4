/**
 * The drill store keeps every drill across restarts: a torn last line (a crash mid-append) is cut,
 * and a drill still running when the site stopped is closed as interrupted, never left running.
 */
import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/log.ts";
import { makeTempDir, removeTempDir } from "../../test/support/tempdir.ts";
import { DRILLS_FILE, type DrillRecord, DrillStore } from "./drill-store.ts";

const logger = createLogger("silent");
let dir: string;
afterEach(async () => removeTempDir(dir));

const drill = (id: string, over: Partial<DrillRecord> = {}): DrillRecord => ({
  id,
  kind: "test-failover",
  group: "g1",
  tenant: "acme",
  point: { seq: 10, timestamp: 1000, bookmark: "b1" },
  startedAt: 2000,
  rpoAtStartSeconds: 3,
  maxRpoSeconds: 3,
  result: "running",
  operator: "anna",
  note: "",
  ...over,
});

describe("drill store", () => {
  it("keeps the newest version of each drill across a reopen, and cuts a torn tail", async () => {
    dir = await makeTempDir("drills");
    const path = join(dir, DRILLS_FILE);
    const a = await DrillStore.open(path, logger, () => 9000);
    await a.put(drill("d1"));
    await a.put(drill("d1", { imageReadyAt: 2000.5, rtoSeconds: 0.5, endedAt: 2600, result: "passed" }));
    await a.put(drill("d2", { group: "g2", startedAt: 3000, result: "failed", endedAt: 3100 }));
    await appendFile(path, '{"id":"d3","kind":"test-fa');
    const b = await DrillStore.open(path, logger, () => 9000);
    expect(b.list().map((d) => [d.id, d.result])).toEqual([
      ["d1", "passed"],
      ["d2", "failed"],
    ]);
    expect(b.lastPassed("g1")?.endedAt).toBe(2600);
    expect(b.lastPassed("g2")).toBeUndefined();
    expect(b.lastWithRto("g1")?.rtoSeconds).toBe(0.5);
    expect((await readFile(path, "utf8")).endsWith("}\n")).toBe(true);
  });

  it("closes a drill that was running when the site stopped as interrupted, durably", async () => {
    dir = await makeTempDir("drills");
    const path = join(dir, DRILLS_FILE);
    await (await DrillStore.open(path, logger, () => 9000)).put(drill("d1", { note: "monthly" }));
    const reopened = await DrillStore.open(path, logger, () => 9100);
    expect(reopened.get("d1")).toMatchObject({
      result: "interrupted",
      endedAt: 9100,
      note: "monthly; site stopped during the drill",
    });
    expect(reopened.lastPassed("g1")).toBeUndefined();
    expect((await DrillStore.open(path, logger, () => 9200)).get("d1")?.endedAt).toBe(9100);
  });
});
