/**
 * The embedded stack's two engine sites: a production site and a recovery site protecting the
 * same consistency groups, written as ordinary site files so they run exactly as a user's would.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import type { StackConfig } from "../../config/schema.ts";
import { freePorts } from "../../lib/ports.ts";

export interface EmbeddedSite {
  name: string;
  role: "production" | "recovery";
  configFile: string;
  controlUrl: string;
  /** `host:port` of the NBD server (production only). */
  nbd?: string;
  logFile: string;
}

export interface EmbeddedSites {
  production: EmbeddedSite;
  recovery: EmbeddedSite;
  /** NBD export names the workload writes to. */
  exports: string[];
}

/** Group and volume names of the embedded demo: g1…gN with volumes g1-v1…; deterministic. */
export function embeddedGroups(cfg: StackConfig["embedded"], tenant: string) {
  return Array.from({ length: cfg.groups }, (_, g) => ({
    name: `g${g + 1}`,
    tenant,
    rpoTarget: 1800,
    volumes: Array.from({ length: cfg.volumesPerGroup }, (_, v) => ({
      name: `g${g + 1}-v${v + 1}`,
      size: cfg.volumeSize,
    })),
    retention: { window: 86400, capacity: cfg.volumeSize * cfg.volumesPerGroup * 4 },
  }));
}

export async function writeEmbeddedSites(cfg: StackConfig): Promise<EmbeddedSites> {
  const root = resolve(cfg.dataDir);
  await mkdir(join(root, "logs"), { recursive: true });
  // A fresh link key per run, readable only by us; the site files reference it, never contain it.
  const pskFile = join(root, "link.psk");
  await writeFile(pskFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  const [prodControl, drControl, nbd, link] = await freePorts(4);
  const groups = embeddedGroups(cfg.embedded, cfg.tenant);
  const linkSettings = { psk: { file: pskFile }, compression: "lz4", limit: cfg.embedded.linkLimit };

  const production = {
    site: "prod",
    role: "production",
    dataDir: join(root, "prod"),
    control: { listen: `127.0.0.1:${prodControl}` },
    nbd: { listen: `127.0.0.1:${nbd}` },
    link: { ...linkSettings, peer: `127.0.0.1:${link}` },
    groups,
  };
  const recovery = {
    site: "dr",
    role: "recovery",
    dataDir: join(root, "dr"),
    control: { listen: `127.0.0.1:${drControl}` },
    link: { ...linkSettings, listen: `127.0.0.1:${link}` },
    groups,
  };
  const site = async (cfgObject: typeof production | typeof recovery): Promise<EmbeddedSite> => {
    const configFile = join(root, `${cfgObject.site}.yaml`);
    await writeFile(configFile, stringify(cfgObject));
    return {
      name: cfgObject.site,
      role: cfgObject.role as EmbeddedSite["role"],
      configFile,
      controlUrl: `http://${cfgObject.control.listen}`,
      nbd: "nbd" in cfgObject ? cfgObject.nbd.listen : undefined,
      logFile: join(root, "logs", `${cfgObject.site}.log`),
    };
  };
  return {
    production: await site(production),
    recovery: await site(recovery),
    exports: groups.flatMap((g) => g.volumes.map((v) => v.name)),
  };
}
