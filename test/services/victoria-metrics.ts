import { join } from "node:path";
import type { HistorySample } from "../../history/store.ts";
import { withFreePort } from "../../lib/ports.ts";
import { requireBinary } from "../support/binaries.ts";
import { startHttpService } from "../support/http-service.ts";
import { type PromQueryApi, promQueryApi } from "../support/prom-api.ts";
import { makeTempDir } from "../support/tempdir.ts";

export interface VictoriaMetricsInstance extends PromQueryApi {
  url: string;
  port: number;
  /** Prometheus remote-write endpoint: `${url}/api/v1/write`. */
  remoteWriteUrl: string;
  /** Imports history samples through /api/v1/import and makes them queryable. */
  importSamples(samples: readonly HistorySample[]): Promise<void>;
  stop(): Promise<void>;
}

/** Samples as VictoriaMetrics' JSON-lines import format, one line per series. */
function importLines(samples: readonly HistorySample[]): string {
  const bySeries = new Map<string, { metric: Record<string, string>; values: number[]; timestamps: number[] }>();
  for (const s of samples) {
    const key = JSON.stringify([s.metric, s.labels]);
    let line = bySeries.get(key);
    if (!line) {
      line = { metric: { __name__: s.metric, ...s.labels }, values: [], timestamps: [] };
      bySeries.set(key, line);
    }
    line.values.push(s.value);
    line.timestamps.push(Math.round(s.timestamp * 1000));
  }
  return [...bySeries.values()].map((l) => JSON.stringify(l)).join("\n");
}

/** Starts a real single-node VictoriaMetrics on 127.0.0.1 with temp storage. */
export async function startVictoriaMetrics(): Promise<VictoriaMetricsInstance> {
  const binary = requireBinary("/usr/bin/victoria-metrics", "victoria-metrics");
  return withFreePort(async (port) => {
    const dir = await makeTempDir("victoria-metrics");
    const url = `http://127.0.0.1:${port}`;
    const { stop } = await startHttpService({
      name: "victoria-metrics",
      command: binary,
      args: [
        `-httpListenAddr=127.0.0.1:${port}`,
        `-storageDataPath=${join(dir, "data")}`,
        // Make samples queryable about a second after ingestion instead of after the 30 s default.
        "-search.latencyOffset=1s",
        "-search.disableCache",
        "-loggerLevel=ERROR",
        // Tests import fixture months at fixed dates; the 1-month default would drop them as they age.
        "-retentionPeriod=100y",
      ],
      dir,
      readyUrl: `${url}/health`,
    });
    // Without a forced flush, freshly ingested series become queryable only after several seconds.
    const flush = async () => {
      const response = await fetch(`${url}/internal/force_flush`);
      await response.body?.cancel();
    };
    const importSamples = async (samples: readonly HistorySample[]) => {
      const response = await fetch(`${url}/api/v1/import`, { method: "POST", body: importLines(samples) });
      if (response.status !== 204)
        throw new Error(`victoria-metrics import: ${response.status} ${await response.text()}`);
      await flush();
    };
    return { ...promQueryApi(url, flush), url, port, remoteWriteUrl: `${url}/api/v1/write`, importSamples, stop };
  });
}
