/**
 * Queue overflow: with a tiny source queue and the link cut, the group falls back to bitmap mode
 * (reported in its state, an event and resyncRequired, RPO still growing); after the link returns
 * the dirty extents are resynced and the images converge.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { StreamMessage } from "../../replication/status.ts";
import { EnginePair, qemuIo } from "./harness.ts";

describe("bitmap fallback when the source queue overflows", () => {
  let pair: EnginePair;
  const events: StreamMessage[] = [];
  let ws: WebSocket;

  beforeAll(async () => {
    pair = await EnginePair.running({ volumeSize: "16MiB", proxy: true, queueMaxBytes: "512KiB" });
    ws = new WebSocket(`ws://127.0.0.1:${pair.ports.control.production}/stream`);
    ws.on("message", (data) => events.push(JSON.parse(String(data)) as StreamMessage));
    await new Promise((resolve) => ws.once("open", resolve));
  });

  afterAll(async () => {
    ws?.close();
    await pair?.close();
  });

  it("reports bitmap mode, then resyncs the dirty extents", async () => {
    pair.proxy!.cut();
    await qemuIo(pair.nbdUri, ["write -P 0x41 0 256k", "write -P 0x42 1M 512k", "write -P 0x43 9M 1M", "flush"]);
    const g = await pair.group("production");
    expect(g.state).toBe("bitmap");
    expect(g.resyncRequired).toBe(true);
    expect(g.rpoSeconds).toBeGreaterThan(0);
    expect(events.some((m) => m.type === "event" && m.event.type === "state" && m.event.to === "bitmap")).toBe(true);
    pair.proxy!.restore();
    await pair.caughtUp();
    expect(pair.imagesIdentical()).toBe(true);
    expect(
      events.some(
        (m) => m.type === "event" && m.event.type === "sync" && m.event.kind === "extents" && m.event.phase === "end",
      ),
    ).toBe(true);
    const after = await pair.group("production");
    expect(after.resyncRequired).toBe(false);
  });
});
