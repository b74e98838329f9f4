/** A collector with engine sources and its exporter on a real port, torn down by `stop`. */
import { Collector } from "../../../collector/collector.ts";
import { EngineSource } from "../../../collector/sources/engine.ts";
import { engineSourceConfig } from "../../../collector/sources/engine-config.ts";
import { createExporterApp, type ExporterApp, type RunningExporter } from "../../../exporter/server.ts";

export interface Rig {
  collector: Collector;
  exporter: ExporterApp;
  running: RunningExporter;
  stop(): Promise<void>;
}

export async function startRig(sources: Array<{ name: string; url: string; timeout?: number }>): Promise<Rig> {
  const adapters = sources.map(
    (s) =>
      new EngineSource(
        engineSourceConfig.parse({ kind: "engine", pollInterval: 0.2, reconnectMin: 0.2, reconnectMax: 1, ...s }),
      ),
  );
  const collector = new Collector({ sources: adapters, rateWindowSeconds: 60 });
  const exporter = createExporterApp({ provider: collector });
  const running = await exporter.listen("127.0.0.1", 0);
  collector.start();
  return {
    collector,
    exporter,
    running,
    async stop() {
      await running.close();
      await collector.stop();
    },
  };
}

/** GET /metrics with an optional Accept header. */
export async function scrape(rig: Rig, accept?: string): Promise<{ type: string; body: string }> {
  const res = await fetch(`${rig.running.url}/metrics`, { headers: accept ? { accept } : {} });
  return { type: res.headers.get("content-type") ?? "", body: await res.text() };
}
