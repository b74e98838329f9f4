/**
 * The largest request the NBD export accepts (32 MiB) is one change: it must fit on the link as
 * one batch, incompressible or not, and reach the replica intact. A discard has no payload and may
 * cover GiBs in one request; it is captured as changes of at most 32 MiB, so the recovery site
 * never holds more than that of replaced bytes at once.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CHANGE_BYTES } from "../../replication/records.ts";
import { EnginePair, fio, qemuIo } from "./harness.ts";

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

  it("captures a 64 MiB discard as two changes of 32 MiB, counted as one operation", async () => {
    const before = await pair.group("production");
    const out = await qemuIo(pair.nbdUri, ["discard 0 64M", "flush"]);
    expect(out).toMatch(/discard 67108864\/67108864 bytes at offset 0/);
    const after = await pair.caughtUp(60_000);
    expect(after.headSeq - before.headSeq).toBe(2);
    const [v0, v1] = [before.volumes[0]!, after.volumes[0]!];
    expect(v1.trimmedBytesTotal! - v0.trimmedBytesTotal!).toBe(2 * MAX_CHANGE_BYTES);
    expect(v1.writeOpsTotal! - v0.writeOpsTotal!).toBe(1);
    expect(pair.imagesIdentical()).toBe(true);
    expect(readFileSync(pair.image("recovery")).every((b) => b === 0)).toBe(true);
  });
});
