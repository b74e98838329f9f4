/**
 * Retires a group's old direction at a site: removes every file of its folder but the volumes'
 * images and the reversal record (a journal with its segments, bookmarks and failover record; or a
 * production queue, state and dirty maps), so the new direction opens the folder fresh around the
 * same images. Removing is idempotent: a crash halfway is finished by doing it again.
 */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { GroupConfig } from "../config.ts";
import { syncDir } from "../journal/files.ts";
import { REVERSAL_FILE } from "./reversal-record.ts";

export async function retireOldDirection(dir: string, config: GroupConfig): Promise<void> {
  const keep = new Set([REVERSAL_FILE, ...config.volumes.filter((v) => !v.path).map((v) => `${v.name}.img`)]);
  for (const name of await readdir(dir))
    if (!keep.has(name)) await rm(join(dir, name), { recursive: true, force: true });
  await syncDir(dir);
}
