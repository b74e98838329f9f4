/**
 * End to end through real processes and real clients: random patterns written with qemu-io and
 * fio (crc32c verify) through the production site's NBD export replicate until RPO is 0 and the
 * production and replica images are byte-identical. Bookmarks and the status stream ride along.
 */
import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { StreamMessage } from "../../replication/status.ts";
import { EnginePair, fio, qemuIo } from "./harness.ts";

describe("engine replication end to end", () => {
  let pair: EnginePair;
  const events: StreamMessage[] = [];
  let ws: WebSocket;

  beforeAll(async () => {
    pair = await EnginePair.create({ volumeSize: "16MiB" });
    await pair.start("recovery");
    await pair.start("production");
    ws = new WebSocket(`ws://127.0.0.1:${pair.ports.control.production}/stream`);
    ws.on("message", (data) => events.push(JSON.parse(String(data)) as StreamMessage));
    await new Promise((resolve) => ws.once("open", resolve));
  });

  afterAll(async () => {
    ws?.close();
    await pair?.close();
  });

  it("finishes the initial sync and reports an idle group with RPO 0", async () => {
    const g = await pair.caughtUp();
    expect(g.resyncRequired).toBe(false);
    expect(g.rpoSeconds).toBe(0);
    const link = (await pair.status("production")).links[0]!;
    expect(link).toMatchObject({ name: "prod-a->rec-b", peerSite: "rec-b", state: "up", authFailuresTotal: 0 });
  });

  it("reports only what each site measures: no volume counters or volume RPO at recovery, no drill time before a drill", async () => {
    await pair.caughtUp();
    const production = (await pair.group("production")).volumes[0]!;
    expect(production).toEqual({
      name: production.name,
      sizeBytes: 16 * 1024 * 1024,
      writtenBytesTotal: expect.any(Number),
      writeOpsTotal: expect.any(Number),
      trimmedBytesTotal: expect.any(Number),
      rpoSeconds: 0,
    });
    const recovery = await pair.group("recovery");
    expect(recovery.volumes[0]).toEqual({ name: production.name, sizeBytes: 16 * 1024 * 1024 });
    for (const g of [await pair.group("production"), recovery])
      expect(g).not.toHaveProperty("lastTestFailoverTimestamp");
  });

  it("records a consistency point when the initial sync completes, so a new group has a bookmark at once", async () => {
    await pair.caughtUp();
    await expect
      .poll(async () => (await pair.group("recovery")).lastBookmark?.name, { timeout: 15_000 })
      .toMatch(/-sync-complete$/);
  });

  it("replicates random qemu-io patterns, zeroes and trims byte for byte", async () => {
    const commands: string[] = [];
    for (let i = 0; i < 60; i++) {
      const off = randomInt(0, 4096 - 16) * 4096;
      const len = 4096 * randomInt(1, 16);
      const kind = randomInt(0, 10);
      if (kind === 0) commands.push(`write -z ${off} ${len}`);
      else if (kind === 1) commands.push(`discard ${off} ${len}`);
      else commands.push(`write -P 0x${randomInt(1, 255).toString(16)} ${off} ${len}`);
    }
    commands.push("flush");
    await qemuIo(pair.nbdUri, commands);
    const g = await pair.caughtUp();
    expect(g.headSeq).toBeGreaterThanOrEqual(60);
    expect(pair.imagesIdentical()).toBe(true);
  });

  it("replicates fio random writes that fio verifies with crc32c", async () => {
    const report = await fio([
      "--name=verify",
      "--ioengine=nbd",
      `--uri=${pair.nbdUri}`,
      "--rw=randwrite",
      "--bs=4k",
      "--iodepth=16",
      "--size=16M",
      "--io_size=4M",
      "--verify=crc32c",
      // An interrupted verify job would otherwise leave a state file in the working directory.
      "--verify_state_save=0",
      "--randrepeat=0",
    ]);
    const job = report.jobs[0]!;
    expect(job.error).toBe(0);
    expect(job.write.io_bytes).toBe(4 * 1024 * 1024);
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
    const v = (await pair.group("production")).volumes[0]!;
    expect(v.writeOpsTotal).toBeGreaterThanOrEqual(1024);
  });

  it("stores an on-demand bookmark at the recovery site and streams the event", async () => {
    const res = await pair.api("production", "POST", "/groups/g1/bookmarks", { name: "before-upgrade" });
    expect(res.status).toBe(201);
    const made = (await res.json()) as { name: string; seq: number };
    const head = (await pair.group("production")).headSeq;
    expect(made).toMatchObject({ name: "before-upgrade", seq: head });
    await qemuIo(pair.nbdUri, ["write -P 0x5a 0 4k"]);
    await expect
      .poll(async () => (await pair.group("recovery")).lastBookmark?.name, { timeout: 15_000 })
      .toBe("before-upgrade");
    expect((await pair.group("production")).lastBookmark?.seq).toBe(head);
    await expect
      .poll(() => events.some((m) => m.type === "event" && m.event.type === "bookmark"), { timeout: 5_000 })
      .toBe(true);
    expect(events.some((m) => m.type === "snapshot" && m.status.site === "prod-a")).toBe(true);
  });

  it("answers API misuse with a 4xx and a reason", async () => {
    const unknown = await pair.api("production", "POST", "/groups/nope/bookmarks", { name: "x" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toMatch(/no group "nope"/);
    const bad = await pair.api("production", "PUT", "/link/limit", { bytesPerSecond: -5 });
    expect(bad.status).toBe(400);
    const wrongSite = await pair.api("recovery", "POST", "/groups/g1/pause");
    expect(wrongSite.status).toBe(409);
  });
});
