import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withFreePort } from "../../lib/ports.ts";
import { requireBinary } from "../support/binaries.ts";
import { startHttpService } from "../support/http-service.ts";
import { runCommand } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

/** An alert as returned by Alertmanager's /api/v2/alerts. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string; silencedBy: string[]; inhibitedBy: string[] };
  receivers: Array<{ name: string }>;
  fingerprint: string;
}

export interface AlertmanagerInstance {
  url: string;
  port: number;
  /** host:port, as Prometheus' `alertmanagers` option wants it. */
  address: string;
  alerts(): Promise<AlertmanagerAlert[]>;
  stop(): Promise<void>;
}

/** Starts a real, non-clustered Alertmanager on 127.0.0.1 with the given configuration. */
export async function startAlertmanager(opts: { configYaml: string }): Promise<AlertmanagerInstance> {
  const binary = requireBinary("/usr/bin/prometheus-alertmanager", "prometheus-alertmanager");
  return withFreePort(async (port) => {
    const dir = await makeTempDir("alertmanager");
    const url = `http://127.0.0.1:${port}`;
    const configFile = join(dir, "alertmanager.yml");
    await writeFile(configFile, opts.configYaml);
    const { stop } = await startHttpService({
      name: "alertmanager",
      command: binary,
      args: [
        `--config.file=${configFile}`,
        `--storage.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
        "--log.level=warn",
      ],
      dir,
      readyUrl: `${url}/-/ready`,
    });
    return {
      url,
      port,
      address: `127.0.0.1:${port}`,
      stop,
      async alerts() {
        const response = await fetch(`${url}/api/v2/alerts`);
        if (!response.ok) throw new Error(`alertmanager /api/v2/alerts: ${response.status}`);
        return (await response.json()) as AlertmanagerAlert[];
      },
    };
  });
}

/** Validates an Alertmanager configuration with `amtool check-config`; throws with amtool's output if invalid. */
export async function checkAlertmanagerConfig(configYaml: string): Promise<string> {
  const amtool = requireBinary("/usr/bin/amtool", "prometheus-alertmanager");
  const dir = await makeTempDir("amtool");
  try {
    const file = join(dir, "alertmanager.yml");
    await writeFile(file, configYaml);
    return await runCommand(amtool, ["check-config", file]);
  } finally {
    await removeTempDir(dir);
  }
}
