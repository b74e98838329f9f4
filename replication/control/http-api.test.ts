/**
 * The control API sits behind the one auth seam (lib/http-auth.ts): a policy that refuses a
 * request refuses every route and the /stream upgrade alike, with its status and reason, before
 * any site operation runs.
 */
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { Authenticate } from "../../lib/http-auth.ts";
import { createLogger } from "../../lib/log.ts";
import type { SiteStatus } from "../status.ts";
import { EventHub } from "./event-hub.ts";
import { ControlServer } from "./http-api.ts";
import type { SiteControl } from "./site-control.ts";

const logger = createLogger("silent", "control-test");

/** A recovery site with no groups that records the operations it is asked for. */
function quietSite(calls: string[]): SiteControl {
  const status: SiteStatus = {
    site: "rec-b",
    role: "recovery",
    timestamp: 0,
    startedAt: 0,
    version: "test",
    groups: [],
    links: [],
  };
  return {
    events: new EventHub(logger),
    status: () => status,
    bookmark: async (group, name) => {
      calls.push(`bookmark ${group} ${name}`);
      return { name, seq: 0, timestamp: 0 };
    },
    setLinkLimit: (bps) => {
      calls.push(`limit ${bps}`);
      return bps ?? 0;
    },
    pause: async (group) => {
      calls.push(`pause ${group}`);
    },
    resume: async (group) => {
      calls.push(`resume ${group}`);
    },
    resync: (group) => {
      calls.push(`resync ${group}`);
    },
    releaseSource: async (group) => {
      calls.push(`release ${group}`);
    },
  };
}

const bearerOk: Authenticate = (req) =>
  req.headers.authorization === "Bearer ok"
    ? { allowed: true, principal: "operator" }
    : { allowed: false, status: 401, reason: "a bearer token is required" };

describe("control API auth seam", () => {
  let server: ControlServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("refuses routes and the stream without credentials and serves them with", async () => {
    const calls: string[] = [];
    server = new ControlServer(quietSite(calls), logger, bearerOk);
    const port = await server.listen("127.0.0.1", 0);
    const base = `http://127.0.0.1:${port}`;

    const denied = await fetch(`${base}/groups/g1/pause`, { method: "POST" });
    expect(denied.status).toBe(401);
    expect(await denied.text()).toMatch(/bearer token is required/);
    expect((await fetch(`${base}/status`)).status).toBe(401);
    expect(calls).toEqual([]);

    const allowed = await fetch(`${base}/groups/g1/pause`, { method: "POST", headers: { authorization: "Bearer ok" } });
    expect(allowed.status).toBe(200);
    expect(calls).toEqual(["pause g1"]);

    const refusedStream = new WebSocket(`ws://127.0.0.1:${port}/stream`);
    const status = await new Promise<number>((resolve) =>
      refusedStream.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);

    const stream = new WebSocket(`ws://127.0.0.1:${port}/stream`, { headers: { authorization: "Bearer ok" } });
    const first = await new Promise<string>((resolve) => stream.once("message", (data) => resolve(String(data))));
    expect(JSON.parse(first)).toMatchObject({ type: "snapshot", status: { site: "rec-b" } });
    stream.close();
  });

  it("builds status snapshots only while someone subscribes to the stream", async () => {
    let built = 0;
    const site = quietSite([]);
    const statusOf = site.status;
    site.status = () => {
      built++;
      return statusOf();
    };
    server = new ControlServer(site, logger);
    const port = await server.listen("127.0.0.1", 0);
    // Longer than the stream's 1 s snapshot period: nobody listens, so nothing is built.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(built).toBe(0);

    const stream = new WebSocket(`ws://127.0.0.1:${port}/stream`);
    const snapshots: unknown[] = [];
    await new Promise<void>((resolve) =>
      stream.on("message", (data) => {
        snapshots.push(JSON.parse(String(data)));
        if (snapshots.length === 2) resolve();
      }),
    );
    expect(snapshots).toMatchObject([{ type: "snapshot" }, { type: "snapshot" }]);
    stream.close();
  });
});
