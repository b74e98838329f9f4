/**
 * The embedded stack's two engine sites: a production site and a recovery site protecting the
 * same consistency groups, written as ordinary site files so they run exactly as a user's would.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import type { StackConfig } from "../../config/schema.ts";

export interface EmbeddedSite {
  name: string;
  role: "production" | "recovery";
  configFile: string;
  logFile: string;
}

/**
 * The two site files, written one after the other: the recovery site binds free ports (port 0), and
 * the production site's file can only name the link port the recovery site got.
 */
export interface EmbeddedSiteFiles {
  /** NBD export names the workload writes to. */
  exports: string[];
  writeRecovery(): Promise<EmbeddedSite>;
  /** `linkPeer`: the `host:port` the recovery site's link listens on. */
  writeProduction(linkPeer: string): Promise<EmbeddedSite>;
}

/**
 * Journal bytes a changed byte takes while it is inside the window: its redo record until it is
 * distributed and its segment reclaimed, and its undo record (docs/journal.md, "Retention").
 */
const JOURNAL_BYTES_PER_CHANGED_BYTE = 2;
/** The daily profile peaks at 1.8 × its average rate (replication/workload/profile.ts). */
const PEAK_RATE_FACTOR = 2;
/** Retention trims whole segments (replication/recovery/group.ts), so two are held beyond the window. */
const JOURNAL_SEGMENT_BYTES = 16 * 1024 ** 2;
/** Consistency points kept in the window: ConsistencyPointStale waits for two missed intervals. */
const BOOKMARKS_IN_WINDOW = 5;

/**
 * The retention of an embedded group, consistent with its change rate: the journal holds the
 * window at the peak rate, and bookmarks fall often enough that the window always holds several.
 */
export function embeddedRetention(cfg: StackConfig["embedded"]) {
  const groupRate = cfg.rate * cfg.volumesPerGroup;
  const bytes = JOURNAL_BYTES_PER_CHANGED_BYTE * PEAK_RATE_FACTOR * groupRate * cfg.window + 2 * JOURNAL_SEGMENT_BYTES;
  const MiB = 1024 ** 2;
  return {
    window: cfg.window,
    capacity: Math.ceil(bytes / MiB) * MiB,
    bookmarkInterval: cfg.window / BOOKMARKS_IN_WINDOW,
  };
}

/** Group and volume names of the embedded demo: g1…gN with volumes g1-v1…; deterministic. */
export function embeddedGroups(cfg: StackConfig["embedded"], tenant: string) {
  const { window, capacity, bookmarkInterval } = embeddedRetention(cfg);
  return Array.from({ length: cfg.groups }, (_, g) => ({
    name: `g${g + 1}`,
    tenant,
    rpoTarget: 1800,
    bookmarkInterval,
    volumes: Array.from({ length: cfg.volumesPerGroup }, (_, v) => ({
      name: `g${g + 1}-v${v + 1}`,
      size: cfg.volumeSize,
    })),
    retention: { window, capacity },
  }));
}

export async function embeddedSiteFiles(cfg: StackConfig): Promise<EmbeddedSiteFiles> {
  const root = resolve(cfg.dataDir);
  await mkdir(join(root, "logs"), { recursive: true });
  // A fresh link key per run, readable only by us; the site files reference it, never contain it.
  const pskFile = join(root, "link.psk");
  await writeFile(pskFile, randomBytes(32).toString("hex"), { mode: 0o600 });
  const groups = embeddedGroups(cfg.embedded, cfg.tenant);
  const linkSettings = { psk: { file: pskFile }, compression: "lz4", limit: cfg.embedded.linkLimit };
  const write = async (role: EmbeddedSite["role"], site: { site: string } & Record<string, unknown>) => {
    const configFile = join(root, `${site.site}.yaml`);
    await writeFile(configFile, stringify({ ...site, groups }));
    return { name: site.site, role, configFile, logFile: join(root, "logs", `${site.site}.log`) };
  };
  return {
    exports: groups.flatMap((g) => g.volumes.map((v) => v.name)),
    writeRecovery: () =>
      write("recovery", {
        site: "dr",
        role: "recovery",
        dataDir: join(root, "dr"),
        control: { listen: "127.0.0.1:0" },
        link: { ...linkSettings, listen: "127.0.0.1:0" },
      }),
    writeProduction: (linkPeer) =>
      write("production", {
        site: "prod",
        role: "production",
        dataDir: join(root, "prod"),
        control: { listen: "127.0.0.1:0" },
        nbd: { listen: "127.0.0.1:0" },
        link: { ...linkSettings, peer: linkPeer },
      }),
  };
}
