/**
 * `rpowatch start --config <file>` as a user runs it: both embedded engine sites, the NBD workload,
 * collector, exporter and built-in evaluator, in a child process with a temp data dir and a small
 * demo. The exporter binds port 0 and the stack says where it listens (its "NOC page:" line), so no
 * other process can take the port between choosing and binding it. Callers add collector sources, alert targets and embedded settings.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { httpOk } from "../support/net.ts";
import { cleanupOnFailure, type ServiceProcess, spawnService, waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

const BIN = new URL("../../bin/rpowatch.js", import.meta.url).pathname;

export interface RpowatchStackOptions {
  /** Merged over the small demo (1 group of 2 × 16 MiB volumes at 128 KiB/s). */
  embedded?: Record<string, unknown>;
  sources?: unknown[];
  alerts?: Record<string, unknown>;
  /** The `history` section (default: the embedded store under the data dir). */
  history?: Record<string, unknown>;
  /** Extra environment, e.g. secrets the config names as `{ env: NAME }`. */
  env?: Record<string, string>;
}

export interface RpowatchStack {
  /** The exporter, e.g. http://127.0.0.1:40123 */
  url: string;
  process: ServiceProcess;
  /** The control API of one engine site of the stack, from the address `rpowatch start` prints. */
  controlUrl(site: string): string;
  stop(): Promise<void>;
}

export async function startRpowatchStack(opts: RpowatchStackOptions = {}): Promise<RpowatchStack> {
  const dir = await makeTempDir("stack");
  const configFile = join(dir, "stack.yaml");
  await writeFile(
    configFile,
    stringify({
      dataDir: join(dir, "data"),
      exporter: { listen: "127.0.0.1:0" },
      collector: { rateWindow: "5s", sources: opts.sources ?? [] },
      embedded: { groups: 1, volumesPerGroup: 2, volumeSize: "16MiB", rate: "128KiB", ...opts.embedded },
      ...(opts.alerts && { alerts: opts.alerts }),
      ...(opts.history && { history: opts.history }),
    }),
  );
  const proc = spawnService({
    name: "rpowatch start",
    command: process.execPath,
    args: [BIN, "--log-level", "warn", "start", "--config", configFile],
    env: { ...process.env, ...opts.env },
    // SIGINT is the clean stop: engines, workload and exporter shut down in order.
    stopSignal: "SIGINT",
    graceMs: 15_000,
  });
  const stop = async () => {
    await proc.stop();
    await removeTempDir(dir);
  };
  const url = await cleanupOnFailure(stop, async () => {
    const printed = await waitFor(() => /^NOC page: (http:\/\/\S+?)\/$/m.exec(proc.output())?.[1], {
      timeoutMs: 60_000,
      what: "rpowatch start to print the NOC page's address",
      process: proc,
    });
    await waitFor(() => httpOk(`${printed}/healthz`), {
      timeoutMs: 10_000,
      what: "rpowatch start /healthz",
      process: proc,
    });
    return printed;
  });
  const controlUrl = (site: string) => {
    const printed = new RegExp(`engine site ${site} \\([a-z]+\\): control (http://\\S+),`).exec(proc.output())?.[1];
    if (!printed) throw new Error(`rpowatch start printed no control address for site ${site}`);
    return printed;
  };
  return { url, process: proc, controlUrl, stop };
}
