/**
 * An image file that disappears while its site is down (deleted, a lost mount) is never silently
 * served empty. A lost replica is resynced from the production site, writes made meanwhile
 * included. A lost production image faults the group: its volume refuses I/O and nothing is
 * shipped, so the replica, the only copy left, stays intact.
 */
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnginePair, qemuIo, runTool } from "./harness.ts";

describe("a lost replica image", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "16MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("is resynced from the production site instead of being served empty", async () => {
    await qemuIo(pair.nbdUri, ["write -P 0x41 0 4M", "flush"]);
    await pair.caughtUp();
    await pair.proc.recovery!.stop();
    rmSync(pair.image("recovery"));
    await pair.start("recovery");
    expect(pair.logs()).toContain("replica image missing, created empty; history discarded, resync required");
    expect((await pair.group("recovery")).resyncRequired).toBe(true);

    await qemuIo(pair.nbdUri, ["write -P 0x42 8M 1M", "flush"]);
    await pair.caughtUp(60_000);
    expect(pair.imagesIdentical()).toBe(true);
  });
});

describe("a lost production image", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "16MiB" });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("faults the group and refuses the volume's I/O instead of serving zeroes or wiping the replica", async () => {
    await qemuIo(pair.nbdUri, ["write -P 0x41 0 4M", "flush"]);
    await pair.caughtUp();
    await pair.proc.production!.stop();
    rmSync(pair.image("production"));
    await pair.start("production");

    const g = await pair.group("production");
    expect(g.state).toBe("error");
    expect(g.fault).toContain("production image of vol1 was missing and has been created empty");
    const read = await runTool("qemu-io", ["-f", "raw", "-c", "read -P 0x41 0 4k", pair.nbdUri], 30_000);
    expect(read.code).not.toBe(0);
    expect(read.stdout + read.stderr).toMatch(/Input\/output error/);
    const write = await runTool("qemu-io", ["-f", "raw", "-c", "write -P 0x42 0 4k", pair.nbdUri], 30_000);
    expect(write.code).not.toBe(0);

    await new Promise((r) => setTimeout(r, 2000));
    const replica = readFileSync(pair.image("recovery"));
    expect(replica.subarray(0, 4 * 1024 * 1024).every((b) => b === 0x41)).toBe(true);
    expect((await pair.group("production")).state).toBe("error");
  });
});
