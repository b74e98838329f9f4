/**
 * Periodic bookmarks: every `bookmarkInterval` the production site marks the group's head seq,
 * and each mark reaches the recovery journal as a consistency point of the whole group, under
 * writes and while idle alike.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { BookmarkStatus, StreamMessage } from "../../replication/status.ts";
import { EnginePair, qemuIo } from "./harness.ts";

describe("periodic bookmarks", () => {
  let pair: EnginePair;
  const stored: BookmarkStatus[] = [];
  let ws: WebSocket;

  beforeAll(async () => {
    pair = await EnginePair.running({ groupSettings: ["bookmarkInterval: 1s"] });
    // The recovery site emits `bookmark` when the mark is in its journal.
    ws = new WebSocket(`ws://127.0.0.1:${pair.ports.control.recovery}/stream`);
    ws.on("message", (data) => {
      const m = JSON.parse(String(data)) as StreamMessage;
      if (m.type === "event" && m.event.type === "bookmark") stored.push(m.event.bookmark);
    });
    await new Promise((resolve) => ws.once("open", resolve));
  });

  afterAll(async () => {
    ws?.close();
    await pair?.close();
  });

  it("stores an automatic bookmark every interval at the seq the group had reached", async () => {
    const from = stored.length;
    for (let i = 0; i < 4; i++) {
      await qemuIo(pair.nbdUri, [`write -P 0x${(0x30 + i).toString(16)} ${i * 65536} 64k`]);
      await new Promise((r) => setTimeout(r, 700));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const head = (await pair.caughtUp()).headSeq;
    const auto = stored.slice(from).filter((b) => b.name.startsWith("auto-"));
    // About 4.3 s of writes and idling at 1 s: at least 3 marks, whatever the timer's phase.
    expect(auto.length).toBeGreaterThanOrEqual(3);
    const seqs = auto.map((b) => b.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBeGreaterThanOrEqual(2);
    expect(seqs.at(-1)).toBeLessThanOrEqual(head);
    const names = auto.map((b) => Date.parse(b.name.slice("auto-".length)));
    expect(names.every((t) => Number.isFinite(t))).toBe(true);
    expect((await pair.group("recovery")).lastBookmark?.name).toMatch(/^auto-/);
  });
});
