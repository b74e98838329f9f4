/**
 * Resync on demand: a fast resync compares block checksums and sends only the blocks that differ;
 * a full resync sends every block, with progress and ETA in the status while it runs. The link's
 * own wire-byte counter checks what each one really sent.
 */

import { randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { EngineEvent, GroupStatus, StreamMessage } from "../../replication/status.ts";
import { RESYNC_BLOCK_BYTES } from "../../replication/sync/resync.ts";
import { waitFor } from "../support/process.ts";
import { EnginePair, fio } from "./harness.ts";

const MiB = 1024 * 1024;
const VOLUME_BYTES = 32 * MiB;

describe("resync on demand", () => {
  let pair: EnginePair;
  const events: EngineEvent[] = [];
  let ws: WebSocket;

  const wireBytesSent = async () => (await pair.status("production")).links[0]!.wireBytesTotal;
  const resync = async (kind: "fast" | "full") => {
    const before = events.length;
    const res = await pair.api("production", "POST", "/groups/g1/resync", { kind });
    expect(res.status).toBe(202);
    return () =>
      events.slice(before).find((e) => e.type === "sync" && e.phase === "end" && e.kind === kind) as
        | Extract<EngineEvent, { phase: "end" }>
        | undefined;
  };

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "32MiB" });
    ws = new WebSocket(`ws://127.0.0.1:${pair.ports.control.production}/stream`);
    ws.on("message", (data) => {
      const m = JSON.parse(String(data)) as StreamMessage;
      if (m.type === "event") events.push(m.event);
    });
    await new Promise((resolve) => ws.once("open", resolve));
    // Incompressible data everywhere, so a block sent is a block's worth of bytes on the wire.
    await fio([
      "--name=fill",
      "--ioengine=nbd",
      `--uri=${pair.nbdUri}`,
      "--rw=write",
      "--bs=1m",
      "--iodepth=4",
      `--size=${VOLUME_BYTES}`,
      "--refill_buffers",
    ]);
    await pair.caughtUp();
  });

  afterAll(async () => {
    ws?.close();
    await pair?.close();
  });

  it("fast: sends exactly the blocks where the replica diverged", async () => {
    // The replica diverges behind the engine's back (a stray mount, a bad disk): three blocks,
    // one of them changed by a single byte.
    await pair.proc.recovery!.stop();
    const replica = await open(pair.image("recovery"), "r+");
    await replica.write(randomBytes(4096), 0, 4096, 0);
    await replica.write(randomBytes(1), 0, 1, 5 * MiB + RESYNC_BLOCK_BYTES + 100);
    await replica.write(randomBytes(RESYNC_BLOCK_BYTES), 0, RESYNC_BLOCK_BYTES, VOLUME_BYTES - RESYNC_BLOCK_BYTES);
    await replica.close();
    await pair.start("recovery");
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(false);

    const wireBefore = await wireBytesSent();
    const ended = await resync("fast");
    const end = await waitFor(ended, { timeoutMs: 60_000, what: "fast resync end event" });
    await pair.caughtUp();

    expect(pair.imagesIdentical()).toBe(true);
    expect(end).toMatchObject({ bytesCompared: VOLUME_BYTES, bytesSent: 3 * RESYNC_BLOCK_BYTES });
    const wire = (await wireBytesSent()) - wireBefore;
    expect(wire).toBeGreaterThanOrEqual(3 * RESYNC_BLOCK_BYTES);
    // Checksum requests and replies, heartbeats: far below one more block per MiB compared.
    expect(wire).toBeLessThan(3 * RESYNC_BLOCK_BYTES + 256 * 1024);
  });

  it("full: sends every block, reporting progress and ETA while it runs", async () => {
    // 8 MiB/s stretches the copy to about 4 s, long enough to watch it.
    expect((await pair.api("production", "PUT", "/link/limit", { bytesPerSecond: 8 * MiB })).status).toBe(200);
    const wireBefore = await wireBytesSent();
    const ended = await resync("full");
    const seen: GroupStatus["sync"][] = [];
    const end = await waitFor(
      async () => {
        seen.push((await pair.group("production")).sync);
        return ended();
      },
      { timeoutMs: 60_000, what: "full resync end event", intervalMs: 100 },
    );
    await pair.api("production", "PUT", "/link/limit", { bytesPerSecond: null });
    await pair.caughtUp();

    expect(pair.imagesIdentical()).toBe(true);
    expect(end).toMatchObject({ bytesCompared: VOLUME_BYTES, bytesSent: VOLUME_BYTES });
    expect((await wireBytesSent()) - wireBefore).toBeGreaterThanOrEqual(VOLUME_BYTES);

    const running = seen.filter((s) => s.kind === "full" && s.progressRatio > 0 && s.progressRatio < 1);
    expect(running.length).toBeGreaterThan(0);
    for (const s of running) {
      expect(s.bytesTotal).toBe(VOLUME_BYTES);
      expect(s.bytesDone).toBe(s.progressRatio * VOLUME_BYTES);
      expect(s.bytesSent).toBeGreaterThanOrEqual(s.bytesDone);
      expect(s.etaSeconds).toBeGreaterThan(0);
    }
    const ratios = running.map((s) => s.progressRatio);
    expect(ratios).toEqual([...ratios].sort((a, b) => a - b));
    expect((await pair.group("production")).sync).toMatchObject({ kind: "none", progressRatio: 1 });
  });
});
