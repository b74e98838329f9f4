/**
 * A real pair of bundled-engine sites (`node bin/rpowatch.js engine --config …`): a production
 * site `paris` replicating to a recovery site `lyon`, each in its own process with its own
 * control API. Used to test the engine source against the real thing.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "../../../lib/ports.ts";
import { httpOk } from "../../support/net.ts";
import { cleanupOnFailure, type ServiceProcess, spawnService, waitFor } from "../../support/process.ts";
import { makeTempDir, removeTempDir } from "../../support/tempdir.ts";

export interface EnginePair {
  /** Each site's process too, for tests that kill or freeze a site. */
  production: { url: string; nbdPort: number; process: ServiceProcess };
  recovery: { url: string; process: ServiceProcess };
  /** Volume export names on the production site's NBD server. */
  volumes: string[];
  stop(): Promise<void>;
}

const CLI = new URL("../../../bin/rpowatch.js", import.meta.url).pathname;

export async function startEnginePair(opts: { group?: string; volumes?: string[] } = {}): Promise<EnginePair> {
  const dir = await makeTempDir("engine-pair");
  const [recoveryControl, productionControl, linkPort, nbdPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const volumes = opts.volumes ?? ["data", "logs"];
  const groups = [
    {
      name: opts.group ?? "db",
      tenant: "acme",
      rpoTarget: 60,
      volumes: volumes.map((name) => ({ name, size: "4MiB" })),
      retention: { window: 3600, capacity: "64MiB" },
    },
  ];
  await writeFile(join(dir, "psk"), "test-pre-shared-key-0123456789abcdef\n");
  const site = (name: string, role: string, extra: object) => ({
    site: name,
    role,
    dataDir: join(dir, name),
    control: { listen: `127.0.0.1:${role === "production" ? productionControl : recoveryControl}` },
    groups,
    ...extra,
  });
  const recoveryFile = join(dir, "lyon.yaml");
  const productionFile = join(dir, "paris.yaml");
  await writeFile(
    recoveryFile,
    stringify(site("lyon", "recovery", { link: { listen: `127.0.0.1:${linkPort}`, psk: { file: join(dir, "psk") } } })),
  );
  await writeFile(
    productionFile,
    stringify(
      site("paris", "production", {
        nbd: { listen: `127.0.0.1:${nbdPort}` },
        link: { peer: `127.0.0.1:${linkPort}`, psk: { file: join(dir, "psk") } },
      }),
    ),
  );
  const procs: ServiceProcess[] = [];
  const stop = async () => {
    for (const p of procs.reverse()) await p.stop();
    await removeTempDir(dir);
  };
  const spawnSite = (name: string, file: string) =>
    spawnService({
      name: `engine ${name}`,
      command: process.execPath,
      args: [CLI, "--log-level", "warn", "engine", "--config", file],
    });
  return cleanupOnFailure(stop, async () => {
    const recovery = spawnSite("lyon", recoveryFile);
    procs.push(recovery);
    const recoveryUrl = `http://127.0.0.1:${recoveryControl}`;
    await waitFor(() => httpOk(`${recoveryUrl}/status`), {
      timeoutMs: 30_000,
      what: "lyon /status",
      process: recovery,
    });
    const production = spawnSite("paris", productionFile);
    procs.push(production);
    const productionUrl = `http://127.0.0.1:${productionControl}`;
    await waitFor(() => httpOk(`${productionUrl}/status`), {
      timeoutMs: 30_000,
      what: "paris /status",
      process: production,
    });
    return {
      production: { url: productionUrl, nbdPort, process: production },
      recovery: { url: recoveryUrl, process: recovery },
      volumes,
      stop,
    };
  });
}
