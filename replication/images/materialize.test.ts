/**
 * Materializing a point on a real journal: the files are the in-memory model's volumes at the
 * point, the job holds a pin (not a lock) so writes keep being appended and distributed while it
 * runs, and its view reports bytes and percent at the end, with no ETA left.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Journal } from "../journal/journal.ts";
import {
  batches,
  expectedImages,
  groupConfig,
  randomWrites,
  removeTempDirs,
  silentLogger,
  tempDir,
  VOLUME_BYTES,
  VOLUMES,
} from "../journal/test-support.ts";
import { Materializer } from "./materialize.ts";

const FIRST_TIMESTAMP = 1_000_000;

afterEach(removeTempDirs);

describe("materializing a point", () => {
  it("writes each volume as of the point while distribution goes on beside it", async () => {
    const dir = await tempDir();
    const writes = randomWrites(5, 300, FIRST_TIMESTAMP);
    const journal = await Journal.open({
      dir: join(dir, "journal"),
      group: groupConfig(),
      logger: silentLogger,
      now: () => FIRST_TIMESTAMP + 1000,
      autoDistribute: false,
    });
    try {
      const all = batches(writes.slice(0, 200), 5);
      for (const b of all) await journal.appendBatch(b);
      await journal.catchUp();
      const materializer = new Materializer({ logger: silentLogger, chunkBytes: 4096 });
      const out = join(dir, "out");
      const started = await materializer.start(
        { config: groupConfig(), journal },
        { kind: "time", timestamp: FIRST_TIMESTAMP + 120 },
        out,
      );
      expect(started).toMatchObject({ state: "running", point: { seq: 120 }, totalBytes: 2 * VOLUME_BYTES });
      expect(journal.journalStatus().pins.map((p) => p.holder)).toEqual(["materialize cg1@120"]);
      // Appends and distribution are not held up by the job.
      for (const b of batches(writes.slice(200), 6)) await journal.appendBatch(b);
      await journal.catchUp();
      expect(journal.appliedSeq).toBe(300);
      await waitUntilEnded(materializer);
      const end = materializer.view("cg1")!;
      expect(end).toMatchObject({ state: "done", percent: 100, doneBytes: 2 * VOLUME_BYTES });
      expect(end.etaSeconds).toBeUndefined();
      const model = expectedImages(writes, 120);
      for (const v of VOLUMES) expect((await readFile(join(out, `${v}.img`))).equals(model.get(v)!), v).toBe(true);
      expect(journal.journalStatus().pins).toEqual([]);
    } finally {
      await journal.close();
    }
  });

  it("stops at a site shutdown leaving no file, partial or whole, and no pin", async () => {
    const dir = await tempDir();
    const journal = await Journal.open({
      dir: join(dir, "journal"),
      group: groupConfig(),
      logger: silentLogger,
      now: () => FIRST_TIMESTAMP + 1000,
    });
    try {
      for (const b of batches(randomWrites(9, 50, FIRST_TIMESTAMP), 9)) await journal.appendBatch(b);
      await journal.catchUp();
      const materializer = new Materializer({ logger: silentLogger, chunkBytes: 512 });
      const out = join(dir, "out");
      await materializer.start({ config: groupConfig(), journal }, { kind: "latest" }, out);
      await materializer.closeAll();
      expect(materializer.view("cg1")).toMatchObject({ state: "failed", error: "stopped: the site is shutting down" });
      expect(await readdir(out)).toEqual([]);
      expect(journal.journalStatus().pins).toEqual([]);
    } finally {
      await journal.close();
    }
  });
});

async function waitUntilEnded(m: Materializer): Promise<void> {
  while (m.view("cg1")?.state === "running") await new Promise((r) => setTimeout(r, 10));
}
