import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { withFreePort } from "../../lib/ports.ts";
import { requireBinary } from "../support/binaries.ts";
import { startHttpService } from "../support/http-service.ts";
import { type PromQueryApi, promQueryApi } from "../support/prom-api.ts";
import { makeTempDir } from "../support/tempdir.ts";

export interface PrometheusOptions {
  scrapeTargets: Array<{ job: string; targets: string[]; metricsPath?: string }>;
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Absolute paths of rule files; edit them and call `reload()` to change rules mid-test. */
  ruleFiles?: string[];
  /** Alertmanagers as host:port. */
  alertmanagers?: string[];
  /** Remote-write URLs, e.g. a VictoriaMetrics `${url}/api/v1/write`. */
  remoteWrite?: string[];
}

export interface PrometheusInstance extends PromQueryApi {
  url: string;
  port: number;
  /** Path of the generated prometheus.yml. */
  configFile: string;
  /** Re-reads the configuration and rule files (POST /-/reload). */
  reload(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a real Prometheus on 127.0.0.1 with a generated config and a temp TSDB. */
export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusInstance> {
  const binary = requireBinary("/usr/bin/prometheus", "prometheus");
  return withFreePort(async (port) => {
    const dir = await makeTempDir("prometheus");
    const url = `http://127.0.0.1:${port}`;
    const configFile = join(dir, "prometheus.yml");
    await writeFile(configFile, stringify(prometheusConfig(opts)));
    const { stop } = await startHttpService({
      name: "prometheus",
      command: binary,
      args: [
        `--config.file=${configFile}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        "--web.enable-lifecycle",
        "--log.level=warn",
      ],
      dir,
      readyUrl: `${url}/-/ready`,
    });
    return {
      ...promQueryApi(url),
      url,
      port,
      configFile,
      stop,
      async reload() {
        const response = await fetch(`${url}/-/reload`, { method: "POST" });
        if (!response.ok) throw new Error(`prometheus reload failed: ${response.status} ${await response.text()}`);
      },
    };
  });
}

function prometheusConfig(opts: PrometheusOptions): object {
  return {
    global: {
      scrape_interval: opts.scrapeInterval ?? "1s",
      evaluation_interval: opts.evaluationInterval ?? "1s",
    },
    rule_files: opts.ruleFiles ?? [],
    ...(opts.alertmanagers?.length && {
      alerting: { alertmanagers: [{ static_configs: [{ targets: opts.alertmanagers }] }] },
    }),
    ...(opts.remoteWrite?.length && { remote_write: opts.remoteWrite.map((url) => ({ url })) }),
    scrape_configs: opts.scrapeTargets.map((t) => ({
      job_name: t.job,
      metrics_path: t.metricsPath ?? "/metrics",
      static_configs: [{ targets: t.targets }],
    })),
  };
}
