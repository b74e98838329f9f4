/**
 * A running rpowatch collector and exporter fed through the real push API, as a third-party
 * replication component would feed it: the collector, its push source, the exporter (/metrics,
 * /live, the NOC page) on a real HTTP port. `rpowatch collect` wires the same pieces from config.
 * Only for what the engine cannot produce: hostile names, which its name rules refuse. Everything
 * else runs against `rpowatch start` (rpowatch-stack.ts).
 */
import { Collector } from "../../collector/collector.ts";
import { pushRouter } from "../../collector/sources/push-routes.ts";
import { createPushSource, PushRegistry } from "../../collector/sources/push-source.ts";
import { PUSH_WS_PATH, pushWebSocketHandler } from "../../collector/sources/push-ws.ts";
import { createExporterApp } from "../../exporter/server.ts";

const TOKEN = "dashboards-test-token-5d1e";

export interface PushStack {
  url: string;
  push(batch: unknown): Promise<void>;
  stop(): Promise<void>;
}

export async function startPushStack(): Promise<PushStack> {
  const registry = new PushRegistry();
  const source = createPushSource(
    { kind: "push", name: "vendor", settings: { token: { env: "RPOWATCH_TEST_PUSH_TOKEN" }, heartbeat: 60 } },
    { registry, env: { RPOWATCH_TEST_PUSH_TOKEN: TOKEN } },
  );
  const collector = new Collector({ sources: [source], rateWindowSeconds: 10 });
  const exporter = createExporterApp({ provider: collector });
  exporter.app.use(pushRouter(registry));
  exporter.webSocket(PUSH_WS_PATH, pushWebSocketHandler(registry));
  const running = await exporter.listen("127.0.0.1", 0);
  collector.start();
  return {
    url: running.url,
    async push(batch) {
      const response = await fetch(`${running.url}/api/v1/push`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(batch),
      });
      if (!response.ok) throw new Error(`push refused: ${response.status} ${await response.text()}`);
    },
    async stop() {
      await running.close();
      await collector.stop();
    },
  };
}

export interface GroupObservation {
  tenant: string;
  site: string;
  group: string;
  rpoSeconds: number;
  /** The reported state; the first group is active and the others resyncing when absent. */
  state?: string;
  /** The site of a production group holds no journal; every other group reports one. */
  production?: boolean;
}

/**
 * One batch as a replication component reports it at time `t` (Unix s) after `step` reports:
 * counters grow with `step`, so rates are non-zero; everything the push API carries is filled in.
 */
export function observationBatch(t: number, step: number, groups: readonly GroupObservation[]) {
  const MB = 1_000_000;
  return {
    timestamp: t,
    groups: groups.map((g, i) => ({
      timestamp: t,
      tenant: g.tenant,
      site: g.site,
      group: g.group,
      state: g.state ?? (i === 0 ? "active" : "resyncing"),
      peerSite: "dr",
      rpoSeconds: g.rpoSeconds,
      rpoTargetSeconds: 1800,
      recoveryPointTimestamp: t - g.rpoSeconds,
      backlogBytes: { production: 2 * MB, in_flight: MB + step * 1000, recovery: MB / 2 },
      backlogWrites: 40 + step,
      lastBookmarkTimestamp: t - 600,
      syncProgressRatio: i === 0 ? 1 : 0.5,
      syncEtaSeconds: i === 0 ? 0 : 900,
      resyncRequired: i !== 0,
      lastTestFailoverTimestamp: t - 10 * 86400,
      volumes: [1, 2].map((v) => ({
        name: `${g.group}-v${v}`,
        sizeBytes: 64 * MB,
        writtenBytesTotal: step * v * MB,
        writeOpsTotal: step * v * 250,
        trimmedBytesTotal: step * 4096,
        rpoSeconds: g.rpoSeconds / v,
      })),
    })),
    links: [...new Set(groups.map((g) => `${g.tenant}\u0000${g.site}`))].map((key) => {
      const [tenant, site] = key.split("\u0000") as [string, string];
      return {
        timestamp: t,
        tenant,
        site,
        link: `${site}-dr`,
        state: "up",
        wireBytesTotal: step * MB,
        rawBytesTotal: step * 2 * MB,
        limitBytesPerSecond: 4 * MB,
        rttSeconds: 0.012,
        reconnectsTotal: Math.floor(step / 5),
        authFailuresTotal: 0,
      };
    }),
    journals: groups
      .filter((g) => !g.production)
      .map((g) => ({
        timestamp: t,
        tenant: g.tenant,
        site: g.site,
        group: g.group,
        capacityBytes: 1000 * MB,
        usedBytes: (500 + step) * MB,
        undistributedBytes: MB / 2,
        oldestRecoverableTimestamp: t - 80_000,
        newestRecoverableTimestamp: t - g.rpoSeconds,
        requiredWindowSeconds: 86_400,
        achievedWindowSeconds: 80_000 - g.rpoSeconds,
        trimmedBytesByTime: step * 1000,
        trimmedBytesBySpace: step * 10,
        storeCapacityBytes: 10_000 * MB,
      })),
  };
}
