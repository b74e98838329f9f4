/**
 * Dropping files from the page cache, for reads measured from disk: GNU dd's `iflag=nocache
 * count=0` asks the kernel to discard a file's cached pages (posix_fadvise DONTNEED), which needs no
 * privilege; only clean pages go, so the files are synced first. fincore (util-linux) then checks
 * that the files really left the cache, so a figure never claims a disk read it did not get.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { runToolOk } from "../replication/nbd/test-support.ts";

/** Every regular file under `dir`, recursively. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Bytes of `files` now in the page cache. */
export async function cachedBytes(files: readonly string[]): Promise<number> {
  const out = await runToolOk("fincore", ["--bytes", "--noheadings", "--output", "RES", ...files], 60_000);
  return out
    .trim()
    .split("\n")
    .filter((l) => l.trim() !== "")
    .reduce((sum, l) => sum + Number(l.trim()), 0);
}

/** Drops `files` from the page cache; throws if more than `leftAllowed` bytes of them stay cached. */
export async function dropFromPageCache(files: readonly string[], leftAllowed = 1024 * 1024): Promise<void> {
  await runToolOk("sync", ["--file-system", ...files.slice(0, 1)], 120_000);
  for (const file of files) await runToolOk("dd", [`if=${file}`, "iflag=nocache", "count=0", "status=none"], 60_000);
  const left = await cachedBytes(files);
  if (left > leftAllowed)
    throw new Error(`${left} bytes of ${files.length} files stayed in the page cache after dd iflag=nocache`);
}
