import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Collector } from "../../collector/collector.ts";
import type { SnapshotDelta } from "../../collector/delta.ts";
import type { ModelSnapshot } from "../../collector/snapshot.ts";
import { mapSiteStatus } from "../../collector/sources/engine-map.ts";
import { createExporterApp } from "../../exporter/server.ts";
import { waitFor } from "../support/process.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

type Frame = { type: "snapshot"; snapshot: ModelSnapshot } | { type: "delta"; delta: SnapshotDelta };

async function setup(authenticate?: Parameters<typeof createExporterApp>[0]["authenticate"]) {
  const collector = new Collector({
    sources: [{ name: "paris", kind: "push", staleAfterSeconds: 60, start() {}, stop: async () => {} }],
    rateWindowSeconds: 60,
  });
  const feed = (status: ReturnType<typeof siteStatus>) => {
    const snap = mapSiteStatus(status, "acme");
    collector.sinkFor("paris").snapshot(snap, { durationSeconds: 0, samples: 1 });
  };
  feed(siteStatus([groupStatus("db", ["data", "logs"])]));
  const exporter = createExporterApp({ provider: collector, authenticate });
  const running = await exporter.listen("127.0.0.1", 0);
  cleanups.push(() => running.close());
  return { collector, exporter, running, feed };
}

describe("exporter API and live feed", () => {
  it("/live sends the snapshot, then deltas", async () => {
    const { running, feed } = await setup();
    const frames: Frame[] = [];
    const ws = new WebSocket(`${running.url.replace("http", "ws")}/live`);
    ws.on("message", (data) => frames.push(JSON.parse(String(data))));
    await waitFor(() => frames.length === 1, { timeoutMs: 10_000, what: "initial snapshot" });
    const first = frames[0]!;
    expect(first.type).toBe("snapshot");
    if (first.type !== "snapshot") return;
    expect(first.snapshot.volumes.map((v) => v.volume)).toEqual(["data", "logs"]);

    feed(siteStatus([groupStatus("db", ["data"], { rpoSeconds: 9 })], 1_700_000_009));
    await waitFor(() => frames.length === 2, { timeoutMs: 10_000, what: "delta" });
    const second = frames[1]!;
    expect(second.type).toBe("delta");
    if (second.type !== "delta") return;
    expect(second.delta.fromSeq).toBe(first.snapshot.seq);
    expect(second.delta.remove.volumes).toEqual(["paris/acme/paris/db/logs"]);
    expect(second.delta.upsert.groups[0]?.derived.rpoSeconds).toBe(9);
    ws.close();
  });

  it("/api/snapshot and /healthz read the current snapshot", async () => {
    const { running } = await setup();
    const snapshot = (await (await fetch(`${running.url}/api/snapshot`)).json()) as ModelSnapshot;
    expect(snapshot.groups.map((g) => g.group)).toEqual(["db"]);
    expect(await (await fetch(`${running.url}/healthz`)).json()).toEqual({ status: "ok", sources: 1, sourcesUp: 1 });
  });

  it("the auth seam guards built-in routes, routes mounted later and WebSockets", async () => {
    const { exporter, running } = await setup((req) =>
      req.headers.authorization === "Bearer ok"
        ? { allowed: true }
        : { allowed: false, status: 401, reason: "missing or wrong token" },
    );
    exporter.app.post("/api/v1/push", (_req, res) => {
      res.status(204).end();
    });
    expect((await fetch(`${running.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${running.url}/api/v1/push`, { method: "POST" })).status).toBe(401);
    const ok = await fetch(`${running.url}/api/v1/push`, { method: "POST", headers: { authorization: "Bearer ok" } });
    expect(ok.status).toBe(204);
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${running.url.replace("http", "ws")}/live`);
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
    });
    expect(refused).toBe(401);
  });
});
