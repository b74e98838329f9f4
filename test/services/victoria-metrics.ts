import { join } from "node:path";
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
  stop(): Promise<void>;
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
      ],
      dir,
      readyUrl: `${url}/health`,
    });
    // Without a forced flush, freshly ingested series become queryable only after several seconds.
    const flush = async () => {
      const response = await fetch(`${url}/internal/force_flush`);
      await response.body?.cancel();
    };
    return { ...promQueryApi(url, flush), url, port, remoteWriteUrl: `${url}/api/v1/write`, stop };
  });
}
