/**
 * Test helper run as a child process by crash.test.ts: appends a seeded workload through the
 * public API and prints `acked <seq>` after each batch is durable, until it is killed.
 * Usage: node --import tsx crash-child.ts <dir> <seed>
 */
import { Journal } from "./journal.ts";
import { batches, groupConfig, randomWrites, silentLogger } from "./test-support.ts";

const [dir, seed] = process.argv.slice(2);
const writes = randomWrites(Number(seed), 5000);
const group = await Journal.open({
  dir: dir!,
  group: groupConfig(),
  logger: silentLogger,
  segmentBytes: 64 * 1024,
  now: () => 1_001_000,
});
for (const batch of batches(writes, Number(seed) + 1)) {
  await group.appendBatch(batch);
  process.stdout.write(`acked ${batch.at(-1)!.seq}\n`);
}
await group.close();
