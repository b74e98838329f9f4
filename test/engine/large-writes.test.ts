/**
 * The largest request the NBD export accepts (32 MiB) is one change: it must fit on the link as
 * one batch, incompressible or not, and reach the replica intact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CHANGE_BYTES } from "../../replication/records.ts";
import { EnginePair, fio } from "./harness.ts";

describe("writes of the largest size a client may send", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "64MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("replicates two incompressible 32 MiB writes, each as one change", async () => {
    const before = (await pair.group("production")).headSeq;
    const report = await fio([
      "--name=largest",
      "--ioengine=nbd",
      `--uri=${pair.nbdUri}`,
      "--rw=write",
      `--bs=${MAX_CHANGE_BYTES}`,
      `--size=${2 * MAX_CHANGE_BYTES}`,
      "--refill_buffers",
    ]);
    expect(report.jobs[0]!.error).toBe(0);
    const g = await pair.caughtUp(60_000);
    expect(g.headSeq - before).toBe(2);
    expect(pair.imagesIdentical()).toBe(true);
  });
});
