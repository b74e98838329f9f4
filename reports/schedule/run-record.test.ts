import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../../test/support/tempdir.ts";
import { RunRecord } from "./run-record.ts";

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir("run-record");
});
afterAll(async () => {
  await removeTempDir(dir);
});

const RUN = {
  slot: "2026-12-01T06:00:00.000Z",
  period: "2026-11",
  finishedAt: "2026-12-01T06:01:10.000Z",
  files: ["/srv/reports/capacity-2026-11.json"],
  mailedTo: ["dr@example.com"],
};

describe("the run record", () => {
  it("knows nothing of a schedule never seen; a first sight covers up to it, a completed run up to its slot", async () => {
    const path = join(dir, "sub", "record.json");
    const record = await RunRecord.open(path);
    expect(record.coveredUntil("capacity:*:reports")).toBeUndefined();
    await record.seen("capacity:*:reports", Date.parse("2026-11-20T12:00:00Z"));
    expect(record.coveredUntil("capacity:*:reports")).toBe(Date.parse("2026-11-20T12:00:00Z"));
    await record.seen("capacity:*:reports", Date.parse("2026-11-25T12:00:00Z"));
    expect(record.coveredUntil("capacity:*:reports")).toBe(Date.parse("2026-11-20T12:00:00Z"));
    await record.completed("capacity:*:reports", RUN);
    expect(record.coveredUntil("capacity:*:reports")).toBe(Date.parse(RUN.slot));
  });

  it("survives a restart: what was recorded is read back", async () => {
    const path = join(dir, "restart.json");
    await (await RunRecord.open(path)).completed("health:acme:reports", RUN);
    const reopened = await RunRecord.open(path);
    expect(reopened.lastRun("health:acme:reports")).toEqual(RUN);
  });

  it("refuses an unreadable record, naming the file and what to do, and leaves it as it was", async () => {
    const path = join(dir, "corrupt.json");
    await writeFile(path, "{ not json");
    await expect(RunRecord.open(path)).rejects.toThrow(
      new RegExp(`report schedule record ${path} is unreadable .*move it away to start afresh`),
    );
    expect(await readFile(path, "utf8")).toBe("{ not json");
    await writeFile(path, JSON.stringify({ version: 2, schedules: {} }));
    await expect(RunRecord.open(path)).rejects.toThrow("not a version 1 record");
  });
});
