/**
 * Moving a session's point: a read in flight finishes on the point it started with, whose pin is
 * held until that read is done; reads begun after the move see the new point.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Journal } from "../journal/journal.ts";
import { groupConfig, removeTempDirs, silentLogger, tempDir, VOLUME_BYTES } from "../journal/test-support.ts";
import { MovablePoint } from "./movable-point.ts";

afterEach(removeTempDirs);

const write = (seq: number, fill: number) => ({
  seq,
  timestamp: 1_000_000 + seq,
  volume: "vol-a",
  offset: 0,
  length: VOLUME_BYTES,
  kind: "write" as const,
  data: Buffer.alloc(VOLUME_BYTES, fill),
});

describe("a movable point", () => {
  it("lets a read in flight finish on the old point and releases that pin only after it", async () => {
    const journal = await Journal.open({
      dir: await tempDir(),
      group: groupConfig(),
      logger: silentLogger,
      now: () => 1_000_100,
    });
    try {
      await journal.appendBatch([write(1, 0xaa)]);
      await journal.appendBatch([write(2, 0xbb)]);
      await journal.catchUp();
      const point = new MovablePoint(journal.pin(1, "image cg1@1"));
      const inFlight = point.read("vol-a", 0, VOLUME_BYTES);
      const moved = point.moveTo(journal.pin(2, "image cg1@2"));
      expect(point.seq).toBe(2);
      expect(journal.journalStatus().pins.map((p) => p.seq)).toEqual([1, 2]);
      expect((await inFlight).equals(Buffer.alloc(VOLUME_BYTES, 0xaa))).toBe(true);
      await moved;
      expect(journal.journalStatus().pins.map((p) => p.seq)).toEqual([2]);
      expect((await point.read("vol-a", 0, 4096)).equals(Buffer.alloc(4096, 0xbb))).toBe(true);
      await point.release();
      expect(journal.journalStatus().pins).toEqual([]);
    } finally {
      await journal.close();
    }
  });
});
