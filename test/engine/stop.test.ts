/**
 * Stopping a production site waits for the link session's work (here a resync in flight) to wind
 * down before its groups close: the process exits cleanly, and the interrupted resync is redone
 * after the restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/process.ts";
import { EnginePair } from "./harness.ts";

describe("stopping a production site", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "32MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("lets a resync in flight wind down before closing its groups, and redoes it after a restart", async () => {
    // Slow enough that the full copy of 32 MiB is still running when the stop comes.
    await pair.api("production", "PUT", "/link/limit", { bytesPerSecond: 1024 * 1024 });
    expect((await pair.api("production", "POST", "/groups/g1/resync", { kind: "full" })).status).toBe(202);
    await waitFor(
      async () => {
        const g = await pair.group("production");
        return g.sync.kind === "full" && g.sync.bytesDone > 0;
      },
      { timeoutMs: 30_000, what: "a full resync under way" },
    );
    const proc = pair.proc.production!;
    await proc.stop();
    expect(proc.exitStatus(), proc.output().slice(-4000)).toBe("exit code 0");
    expect(proc.output()).not.toMatch(/"level":(50|60)/);

    await pair.start("production");
    await pair.api("production", "PUT", "/link/limit", { bytesPerSecond: null });
    await pair.caughtUp(90_000);
    expect(pair.imagesIdentical()).toBe(true);
  });
});
