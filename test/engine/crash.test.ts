/**
 * kill -9 of either site under write load, ten rounds: after each restart replication resumes,
 * and at the end every write qemu-io saw acknowledged is on both images, which are identical.
 */
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnginePair, qemuIoCountWrites, type Role } from "./harness.ts";

const ROUNDS = 10;
const WRITES_PER_ROUND = 400;
const SLOT = 4096;

describe("engine survives kill -9 of either site", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "16MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("loses no acknowledged write and converges to identical images", async () => {
    const acked: { slot: number; pattern: number }[] = [];
    let cutShort = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const victim: Role = round % 2 === 0 ? "production" : "recovery";
      // Distinct slots per round, so a later round never overwrites what an earlier one proved.
      const writes = Array.from({ length: WRITES_PER_ROUND }, (_, i) => ({
        slot: round * WRITES_PER_ROUND + i,
        pattern: ((round * WRITES_PER_ROUND + i) % 250) + 1,
      }));
      const load = qemuIoCountWrites(
        pair.nbdUri,
        writes.map((w) => `write -P ${w.pattern} ${w.slot * SLOT} ${SLOT}`),
      );
      await new Promise((r) => setTimeout(r, randomInt(30, 150)));
      await pair.kill9(victim);
      const done = await load;
      if (done < WRITES_PER_ROUND) cutShort++;
      acked.push(...writes.slice(0, done));
      await pair.start(victim);
    }
    // The production kills must have landed under load: qemu-io lost its server mid-sequence.
    expect(cutShort).toBeGreaterThan(0);
    expect(acked.length).toBeGreaterThan(ROUNDS * 10);
    await pair.caughtUp(90_000);
    const prod = readFileSync(pair.image("production"));
    const replica = readFileSync(pair.image("recovery"));
    const lost = acked.filter((w) => prod[w.slot * SLOT] !== w.pattern || prod[w.slot * SLOT + SLOT - 1] !== w.pattern);
    expect(lost, "acknowledged writes missing from the production image").toEqual([]);
    expect(replica.equals(prod), `replica differs from production\n${pair.logs()}`).toBe(true);
  });
});
