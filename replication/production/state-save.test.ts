/** A production group whose state cannot be saved says so: state `error` with the reason, never only a log line. */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../lib/log.ts";
import { makeTempDir, removeTempDir } from "../../test/support/tempdir.ts";
import type { EngineEvent } from "../status.ts";
import { ProductionGroup } from "./production-group.ts";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openGroup(): Promise<{ g: ProductionGroup; dir: string; events: EngineEvent[] }> {
  const dataDir = await makeTempDir("state-save");
  cleanups.push(() => removeTempDir(dataDir));
  const events: EngineEvent[] = [];
  const g = await ProductionGroup.open({
    config: {
      name: "g1",
      tenant: "default",
      mode: "async",
      rpoTarget: 60,
      bookmarkInterval: 0,
      volumes: [{ name: "vol1", size: 1024 * 1024 }],
      retention: { window: 3600, capacity: 64 * 1024 * 1024 },
    },
    dataDir,
    queueMaxBytes: 16 * 1024 * 1024,
    logger: createLogger("silent"),
    onEvent: (e) => events.push(e),
  });
  cleanups.push(() => g.close());
  return { g, dir: join(dataDir, "g1"), events };
}

/** The atomic replace writes `state.json.tmp` first: a directory in its place makes every save fail (EISDIR). */
function breakStateSaves(dir: string): void {
  mkdirSync(join(dir, "state.json.tmp"));
}

describe("production group state saves", () => {
  it("an operation that saves at once fails with the reason, and the group turns to error", async () => {
    const { g, dir, events } = await openGroup();
    breakStateSaves(dir);
    await expect(g.setPaused(true)).rejects.toThrow(/cannot save the group state/);
    expect(g.state).toBe("error");
    expect(g.faultReason).toMatch(/cannot save the group state: .*state\.json\.tmp/);
    expect(events.at(-1)).toMatchObject({ type: "state", to: "error" });
  });

  it("a save fired in the background (a bookmark) faults the group when it fails", async () => {
    const { g, dir } = await openGroup();
    breakStateSaves(dir);
    g.makeBookmark("nightly");
    await expect.poll(() => g.state).toBe("error");
    expect(g.faultReason).toMatch(/cannot save the group state/);
  });
});
