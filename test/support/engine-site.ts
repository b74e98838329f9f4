/**
 * Starts one `rpowatch engine` site for a test and learns where it listens from the line the
 * engine prints once it serves (cli/stack/engine-listening.ts). A site file with port 0 binds free
 * ports, so a first start never races another process for a port. A restart keeps the ports the
 * site held (peers and clients reconnect to them): should one have been taken meanwhile, the start
 * is retried until it is free again.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type EngineListening, findListening } from "../../cli/stack/engine-listening.ts";
import { packagePath } from "../../lib/package-root.ts";
import { type ServiceProcess, spawnService, waitFor } from "./process.ts";

export const ENGINE_BIN = packagePath("bin/rpowatch.js");

export interface EngineSiteOptions {
  name: string;
  configFile: string;
  env?: NodeJS.ProcessEnv;
  logLevel?: string;
  timeoutMs?: number;
}

const ADDRESS_IN_USE_ATTEMPTS = 20;

export async function startEngineSite(
  o: EngineSiteOptions,
): Promise<{ proc: ServiceProcess; listening: EngineListening }> {
  for (let attempt = 1; ; attempt++) {
    const proc = spawnService({
      name: o.name,
      command: process.execPath,
      args: [ENGINE_BIN, "--log-level", o.logLevel ?? "debug", "engine", "--config", o.configFile],
      env: o.env,
    });
    try {
      const listening = await waitFor(() => findListening(proc.output()), {
        timeoutMs: o.timeoutMs ?? 30_000,
        what: `${o.name} to print the addresses it listens on`,
        process: proc,
      });
      return { proc, listening };
    } catch (err) {
      await proc.stop();
      if (!proc.output().includes("EADDRINUSE") || attempt >= ADDRESS_IN_USE_ATTEMPTS) throw err;
      await sleep(250);
    }
  }
}
