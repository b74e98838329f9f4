/**
 * Rolling the replicas back to a point rewrites them to exactly the point's content (checked
 * against an independent model of the writes), and doing it again after a crash halfway gives the
 * same bytes: a rewritten range still reads its point content from the undo.
 */
import { readFile, writeFile } from "node:fs/promises";
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
  VOLUMES,
} from "../journal/test-support.ts";
import { rollReplicasBack } from "./roll-back.ts";

const open: Journal[] = [];
afterEach(async () => {
  for (const j of open.splice(0)) await j.close();
  await removeTempDirs();
});

async function journalWith(writes: ReturnType<typeof randomWrites>): Promise<{ journal: Journal; dir: string }> {
  const dir = await tempDir();
  const journal = await Journal.open({
    dir,
    group: groupConfig(),
    logger: silentLogger,
    segmentBytes: 256 * 1024,
    now: () => 1_001_000,
  });
  open.push(journal);
  for (const b of batches(writes, 5)) await journal.appendBatch(b);
  return { journal, dir };
}

const replicas = (dir: string) => VOLUMES.map((name) => ({ name, path: join(dir, `${name}.img`) }));

async function expectReplicasAt(dir: string, writes: ReturnType<typeof randomWrites>, seq: number): Promise<void> {
  const expected = expectedImages(writes, seq);
  for (const v of VOLUMES)
    expect((await readFile(join(dir, `${v}.img`))).equals(expected.get(v)!), `${v} at seq ${seq}`).toBe(true);
}

describe("rolling replicas back to a point", () => {
  it.each([0, 1, 150, 299, 300])("leaves exactly the content at seq %i", async (seq) => {
    const writes = randomWrites(41 + seq, 300);
    const { journal, dir } = await journalWith(writes);
    const rewritten = await rollReplicasBack(journal, seq, replicas(dir));
    await expectReplicasAt(dir, writes, seq);
    if (seq === 300) expect(rewritten).toBe(0);
    else expect(rewritten).toBeGreaterThan(0);
  });

  it("gives the same bytes when run again after stopping halfway", async () => {
    const writes = randomWrites(7, 300);
    const { journal, dir } = await journalWith(writes);
    await journal.catchUp();
    // A crash halfway: half of each volume's ranges already rewritten with their point content.
    const pin = journal.pin(120, "test");
    for (const { name, path } of replicas(dir)) {
      const ranges = journal.changedAfter(name, 120);
      const image = await readFile(path);
      for (const r of ranges.slice(0, Math.floor(ranges.length / 2)))
        (await pin.read(name, r.offset, r.length)).copy(image, r.offset);
      await writeFile(path, image);
    }
    pin.release();
    await rollReplicasBack(journal, 120, replicas(dir));
    await expectReplicasAt(dir, writes, 120);
    await rollReplicasBack(journal, 120, replicas(dir));
    await expectReplicasAt(dir, writes, 120);
  });
});
