/**
 * A real pair of bundled-engine sites (`node bin/rpowatch.js engine --config …`): a production
 * site `paris` replicating to a recovery site `lyon`, each in its own process with its own
 * control API. Used to test the engine source against the real thing.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { parseHostPort } from "../../../lib/host-port.ts";
import { startEngineSite } from "../../support/engine-site.ts";
import { httpOk } from "../../support/net.ts";
import { cleanupOnFailure, type ServiceProcess, waitFor } from "../../support/process.ts";
import { TcpProxy } from "../../support/tcp-proxy.ts";
import { makeTempDir, removeTempDir } from "../../support/tempdir.ts";

export interface EnginePair {
  /** Each site's process too, for tests that kill or freeze a site. */
  production: { url: string; nbdPort: number; process: ServiceProcess };
  recovery: { url: string; process: ServiceProcess };
  /** Volume export names on the production site's NBD server. */
  volumes: string[];
  /** The fault-injecting proxy the link runs through, when asked for (`linkProxy`). */
  linkProxy?: TcpProxy;
  stop(): Promise<void>;
}

export async function startEnginePair(
  opts: { group?: string; volumes?: string[]; linkProxy?: boolean } = {},
): Promise<EnginePair> {
  const dir = await makeTempDir("engine-pair");
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
  // Port 0 everywhere: each site binds free ports and prints them (startEngineSite).
  const site = (name: string, role: string, extra: object) => ({
    site: name,
    role,
    dataDir: join(dir, name),
    control: { listen: "127.0.0.1:0" },
    groups,
    ...extra,
  });
  const recoveryFile = join(dir, "lyon.yaml");
  const productionFile = join(dir, "paris.yaml");
  await writeFile(
    recoveryFile,
    stringify(site("lyon", "recovery", { link: { listen: "127.0.0.1:0", psk: { file: join(dir, "psk") } } })),
  );
  const procs: ServiceProcess[] = [];
  const proxy = opts.linkProxy ? new TcpProxy("127.0.0.1") : undefined;
  const stop = async () => {
    for (const p of procs.reverse()) await p.stop();
    await proxy?.close();
    await removeTempDir(dir);
  };
  const startSite = async (name: string, configFile: string) => {
    const started = await startEngineSite({ name: `engine ${name}`, configFile, logLevel: "warn" });
    procs.push(started.proc);
    const url = `http://${started.listening.control}`;
    await waitFor(() => httpOk(`${url}/status`), { timeoutMs: 30_000, what: `${name} /status`, process: started.proc });
    return { url, listening: started.listening, process: started.proc };
  };
  return cleanupOnFailure(stop, async () => {
    const recovery = await startSite("lyon", recoveryFile);
    let peer = recovery.listening.link!;
    if (proxy) {
      proxy.retarget(parseHostPort(peer).port);
      peer = `127.0.0.1:${await proxy.listen()}`;
    }
    await writeFile(
      productionFile,
      stringify(
        site("paris", "production", {
          nbd: { listen: "127.0.0.1:0" },
          link: { peer, psk: { file: join(dir, "psk") } },
        }),
      ),
    );
    const production = await startSite("paris", productionFile);
    const nbdPort = parseHostPort(production.listening.nbd!).port;
    return {
      production: { url: production.url, nbdPort, process: production.process },
      recovery: { url: recovery.url, process: recovery.process },
      volumes,
      linkProxy: proxy,
      stop,
    };
  });
}
