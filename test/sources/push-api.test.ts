import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { OTHER_TOKEN, type PushHarness, post, startPushServer, T, TOKEN, validBatch } from "./push-server.ts";

let h: PushHarness;
beforeAll(async () => {
  h = await startPushServer();
});
afterAll(() => h.close());

const json = (value: unknown) => JSON.stringify(value);

describe("push API over HTTP", () => {
  it("applies a valid batch as one snapshot in the model", async () => {
    const before = h.sink.snapshots.length;
    const res = await post(h.url, json(validBatch(T + 1000)));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, accepted: 3, stale: 0, duplicates: 0 });
    expect(h.sink.snapshots.length).toBe(before + 1);
    const snap = h.sink.last()!;
    expect(snap.timestamp).toBe(T + 1000);
    const group = snap.groups[0]!;
    expect(group).toMatchObject({ name: "erp", tenant: "acme", state: "active", rpoSeconds: 12.5, mode: "async" });
    expect(group.backlogBytes).toEqual({ production: 0, in_flight: 4096, recovery: 512 });
    expect(group.volumes[0]).toEqual({
      name: "db",
      sizeBytes: 2 ** 30,
      writtenBytesTotal: 1_000_000,
      writeOpsTotal: 250,
      rpoSeconds: 12.5,
    });
    // Not sent, so not known: absent rather than 0.
    expect(group.volumes[0]).not.toHaveProperty("trimmedBytesTotal");
    expect(group.journal).toMatchObject({ usedBytes: 2 ** 30, achievedWindowSeconds: 86_387.5 });
    expect(snap.links[0]).toMatchObject({ name: "paris-lyon", state: "up", limitBytesPerSecond: 0 });
  });

  it("ignores stale samples and treats equal timestamps as idempotent duplicates", async () => {
    await post(h.url, json(validBatch(T + 2000)));
    const held = h.sink.last()!;
    const older = validBatch(T + 1990);
    older.groups[0]!.rpoSeconds = 999;
    expect(await (await post(h.url, json(older))).json()).toEqual({ ok: true, accepted: 0, stale: 3, duplicates: 0 });
    const replay = validBatch(T + 2000);
    replay.groups[0]!.rpoSeconds = 777;
    expect(await (await post(h.url, json(replay))).json()).toEqual({ ok: true, accepted: 0, stale: 0, duplicates: 3 });
    expect(h.sink.last()!.groups).toEqual(held.groups);
    expect(h.sink.last()!.timestamp).toBe(T + 2000);

    // Within one batch, samples are taken in array order.
    const twice = validBatch(T + 2010);
    twice.groups.push({ ...twice.groups[0]!, timestamp: T + 2005, rpoSeconds: 1 });
    expect(await (await post(h.url, json(twice))).json()).toEqual({ ok: true, accepted: 3, stale: 1, duplicates: 0 });
    expect(h.sink.last()!.groups[0]!.rpoSeconds).toBe(12.5);
  });

  it("refuses a partly invalid batch whole, naming the field", async () => {
    const count = h.sink.snapshots.length;
    const batch = validBatch(T + 3000) as ReturnType<typeof validBatch> & { links: Array<Record<string, unknown>> };
    batch.links[0]!.wireBytesTotal = -5;
    const res = await post(h.url, json(batch));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { issues: Array<{ path: string }> };
    expect(body.issues.map((i) => i.path)).toEqual(["links.0.wireBytesTotal"]);

    const orphan = validBatch(T + 3000);
    orphan.groups = [];
    orphan.journals[0]!.group = "unknown";
    const res2 = await post(h.url, json(orphan));
    expect(res2.status).toBe(400);
    expect(((await res2.json()) as { issues: Array<{ path: string }> }).issues[0]!.path).toBe("journals.0.group");
    expect(h.sink.snapshots.length).toBe(count);
  });

  it("answers 401, 403, 415 and 413 without touching the state", async () => {
    const count = h.sink.snapshots.length;
    const body = json(validBatch(T + 4000));
    expect((await post(h.url, body, { authorization: "" })).status).toBe(401);
    expect((await post(h.url, body, { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    expect((await post(h.url, body, { authorization: "Bearer not-a-token" })).status).toBe(403);
    // vendor-b's token is valid but it may only report tenant "beta".
    const foreign = await post(h.url, body, { authorization: `Bearer ${OTHER_TOKEN}` });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { issues: Array<{ path: string }> }).issues[0]!.path).toBe("groups.0.tenant");
    expect((await post(h.url, body, { "content-type": "text/plain" })).status).toBe(415);
    expect((await post(h.url, " ".repeat(1024 * 1024 + 1))).status).toBe(413);
    expect(h.sink.snapshots.length).toBe(count);
  });
});

describe("push API over WebSocket", () => {
  const wsUrl = () => `${h.url.replace("http", "ws")}/api/v1/push/ws`;

  it("acks each text message in order and refuses bad ones", async () => {
    const ws = new WebSocket(wsUrl(), { headers: { authorization: `Bearer ${TOKEN}` } });
    const replies: Array<Record<string, unknown>> = [];
    const done = new Promise<void>((resolve) =>
      ws.on("message", (data) => {
        replies.push(JSON.parse(data.toString()));
        if (replies.length === 3) resolve();
      }),
    );
    await new Promise((resolve) => ws.once("open", resolve));
    ws.send(json(validBatch(T + 5000)));
    ws.send('{"timestamp": "NaN"}');
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await done;
    ws.close();
    expect(replies[0]).toMatchObject({ seq: 1, status: 200, ok: true, accepted: 3 });
    expect(replies[1]).toMatchObject({ seq: 2, status: 400, ok: false, issues: [{ path: "timestamp" }] });
    expect(replies[2]).toMatchObject({ seq: 3, status: 415, ok: false });
    expect(h.sink.last()!.timestamp).toBe(T + 5000);
  });

  it("closes a connection without a valid token with 4401 / 4403", async () => {
    const closeCode = (authorization: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(wsUrl(), { headers: { authorization } });
        ws.on("close", (code) => resolve(code));
      });
    expect(await closeCode("")).toBe(4401);
    expect(await closeCode("Bearer wrong")).toBe(4403);
  });
});
