import { EMPTY_SNAPSHOT } from "../../collector/snapshot.ts";
import { pushRouter } from "../../collector/sources/push-routes.ts";
import { createPushSource, PushRegistry, type PushSourceAdapter } from "../../collector/sources/push-source.ts";
import { PUSH_WS_PATH, pushWebSocketHandler } from "../../collector/sources/push-ws.ts";
import { createExporterApp } from "../../exporter/server.ts";
import { RecordingSink } from "./recording-sink.ts";

export const T = 1_795_000_000;
export const TOKEN = "push-token-3f9a7c";
export const OTHER_TOKEN = "push-token-other-81b2";

export interface PushHarness {
  url: string;
  sink: RecordingSink;
  source: PushSourceAdapter;
  close(): Promise<void>;
}

/**
 * The exporter's express app with the push routes mounted, on a real HTTP server, and two running
 * push sources. The exporter reads an empty snapshot: these tests inspect the push sink instead.
 */
export async function startPushServer(): Promise<PushHarness> {
  const registry = new PushRegistry();
  const env = { TOKEN_A: TOKEN, TOKEN_B: OTHER_TOKEN };
  const source = createPushSource(
    { kind: "push", name: "vendor-a", settings: { token: { env: "TOKEN_A" }, heartbeat: 60 } },
    { registry, env },
  );
  const other = createPushSource(
    { kind: "push", name: "vendor-b", settings: { token: { env: "TOKEN_B" }, tenants: ["beta"], heartbeat: 60 } },
    { registry, env },
  );
  const sink = new RecordingSink();
  source.start(sink);
  other.start(new RecordingSink());
  const exporter = createExporterApp({ provider: { current: () => EMPTY_SNAPSHOT, subscribe: () => () => {} } });
  exporter.app.use(pushRouter(registry));
  exporter.webSocket(PUSH_WS_PATH, pushWebSocketHandler(registry));
  const running = await exporter.listen("127.0.0.1", 0);
  return {
    url: running.url,
    sink,
    source,
    async close() {
      await running.close();
      await source.stop();
      await other.stop();
    },
  };
}

/** A complete, valid batch at `t`; tests derive variants from it. */
export function validBatch(t: number) {
  return {
    timestamp: t,
    groups: [
      {
        timestamp: t,
        tenant: "acme",
        site: "paris",
        group: "erp",
        state: "active",
        peerSite: "lyon",
        rpoSeconds: 12.5,
        rpoTargetSeconds: 900,
        recoveryPointTimestamp: t - 12.5,
        backlogBytes: { production: 0, in_flight: 4096, recovery: 512 },
        volumes: [
          { name: "db", sizeBytes: 1 << 30, writtenBytesTotal: 1_000_000, writeOpsTotal: 250, rpoSeconds: 12.5 },
        ],
      },
    ],
    links: [
      {
        timestamp: t,
        tenant: "acme",
        site: "paris",
        link: "paris-lyon",
        state: "up",
        wireBytesTotal: 600_000,
        rawBytesTotal: 1_000_000,
      },
    ],
    journals: [
      {
        timestamp: t,
        tenant: "acme",
        site: "paris",
        group: "erp",
        capacityBytes: 10 * 2 ** 30,
        usedBytes: 2 ** 30,
        oldestRecoverableTimestamp: t - 86_400,
        newestRecoverableTimestamp: t - 12.5,
        requiredWindowSeconds: 86_400,
        achievedWindowSeconds: 86_387.5,
      },
    ],
  };
}

export function post(url: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  return fetch(`${url}/api/v1/push`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers },
    body,
  });
}
