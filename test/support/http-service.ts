import { httpOk } from "./net.ts";
import { cleanupOnFailure, type ServiceProcess, spawnService, waitFor } from "./process.ts";
import { removeTempDir } from "./tempdir.ts";

export interface HttpService {
  proc: ServiceProcess;
  /** Stops the process and removes its temp dir. */
  stop(): Promise<void>;
}

/**
 * Spawns a service that keeps its state in `dir`, waits until `readyUrl` answers 2xx, and on
 * failure (or later `stop`) stops the process and removes the dir.
 */
export async function startHttpService(opts: {
  name: string;
  command: string;
  args: string[];
  dir: string;
  readyUrl: string;
}): Promise<HttpService> {
  const proc = spawnService({ name: opts.name, command: opts.command, args: opts.args, cwd: opts.dir });
  const stop = async () => {
    await proc.stop();
    await removeTempDir(opts.dir);
  };
  await cleanupOnFailure(stop, () =>
    waitFor(() => httpOk(opts.readyUrl), { timeoutMs: 30_000, what: `${opts.name} ${opts.readyUrl}`, process: proc }),
  );
  return { proc, stop };
}
