/**
 * Link faults through the fault-injecting proxy and hostile peers: a cut under steady writes makes
 * RPO grow with the outage (never 0 while down), the backlog drains after restore, and nothing
 * already acknowledged is shipped again; a wrong key and garbage on the link port are refused,
 * logged and counted, and the site keeps running.
 */
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EnginePair, fio, qemuIo } from "./harness.ts";

const CUT_SECONDS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("link cut under steady writes", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "16MiB", proxy: true });
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("grows RPO by about the outage, then drains without resending from zero", async () => {
    // A sizeable history before the cut: resending from zero would show in the byte counters.
    await qemuIo(pair.nbdUri, ["write -P 0x21 0 8M", "flush"]);
    await pair.caughtUp();
    const load = fio([
      "--name=steady",
      "--ioengine=nbd",
      `--uri=${pair.nbdUri}`,
      "--rw=randwrite",
      "--bs=4k",
      "--rate=256k",
      "--time_based",
      `--runtime=${CUT_SECONDS + 8}`,
      "--size=16M",
    ]);
    await sleep(2000);
    const before = await pair.status("production");
    const writtenAtCut = before.groups[0]!.volumes[0]!.writtenBytesTotal;
    const rawAtCut = before.links[0]!.rawBytesTotal;
    pair.proxy!.cut();
    const samples: number[] = [];
    for (let t = 0; t < CUT_SECONDS * 2; t++) {
      await sleep(500);
      samples.push((await pair.group("production")).rpoSeconds);
    }
    const during = await pair.status("production");
    pair.proxy!.restore();
    expect(during.links[0]!.state).not.toBe("up");
    expect(
      samples.slice(2).every((s) => s > 0),
      `RPO samples while down: ${samples}`,
    ).toBe(true);
    expect(samples.at(-1)).toBeGreaterThan(CUT_SECONDS - 1.5);
    expect(samples.at(-1)).toBeLessThan(CUT_SECONDS + 2.5);
    // Linear growth: the last samples step by about the sampling interval.
    expect(samples.at(-1)! - samples.at(-3)!).toBeGreaterThan(0.7);
    const recoveryView = await pair.group("recovery");
    expect(recoveryView.rpoSeconds).toBeGreaterThan(CUT_SECONDS - 2);

    await load;
    const after = await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
    const end = await pair.status("production");
    const writtenSinceCut = after.volumes[0]!.writtenBytesTotal! - writtenAtCut!;
    const shippedSinceCut = end.links[0]!.rawBytesTotal - rawAtCut;
    // Each 4 KiB write costs ~50 bytes of record header; 1 MiB covers what was in flight at the cut.
    expect(shippedSinceCut).toBeLessThan(writtenSinceCut * 1.05 + 1024 * 1024);
    expect(shippedSinceCut).toBeGreaterThanOrEqual(writtenSinceCut);
    expect(end.links[0]!.reconnectsTotal).toBeGreaterThan(0);
  });
});

describe("hostile peers", () => {
  let pair: EnginePair;

  beforeAll(async () => {
    pair = await EnginePair.create({ recoveryPsk: "a-different-key-entirely" });
    await pair.start("recovery");
    await pair.start("production");
  });

  afterAll(async () => {
    await pair?.close();
  });

  it("refuses a peer with the wrong key on both sides, and reports it", async () => {
    await expect
      .poll(async () => (await pair.status("recovery")).links[0]!.authFailuresTotal, { timeout: 15_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => (await pair.status("production")).links[0]!.authFailuresTotal, { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect((await pair.status("production")).links[0]!.state).not.toBe("up");
    expect((await pair.status("recovery")).links[0]!.state).not.toBe("up");
    for (const role of ["production", "recovery"] as const) {
      expect(pair.proc[role]!.output()).toMatch(/"msg":"auth refused/);
      expect(pair.proc[role]!.output()).toMatch(/"type":"auth-refused"/);
    }
    await qemuIo(pair.nbdUri, ["write -P 0x33 0 64k"]);
    await sleep(1500);
    const g = await pair.group("production");
    expect(g.durableSeq).toBe(0);
    expect(g.rpoSeconds).toBeGreaterThan(0);
  });

  it("drops garbage on the link port with a log line and keeps serving", async () => {
    for (const junk of [
      randomBytes(4096),
      Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
      Buffer.from([0, 0, 0, 1, 99]),
    ]) {
      const closed = await new Promise<boolean>((resolve) => {
        const s = connect({ host: "127.0.0.1", port: pair.ports.link }, () => s.write(junk));
        s.on("error", () => {});
        s.on("close", () => resolve(true));
        setTimeout(() => {
          s.destroy();
          resolve(false);
        }, 12_000);
      });
      expect(closed).toBe(true);
    }
    expect(pair.proc.recovery!.exitStatus()).toBeUndefined();
    // The site logs after it closes the socket, and its output crosses a pipe: the line may follow the close.
    await expect.poll(() => pair.proc.recovery!.output(), { timeout: 10_000 }).toMatch(/protocol error/);
    expect((await pair.status("recovery")).site).toBe("rec-b");
  });
});
