/**
 * Small JSON state persisted atomically (write temp, fsync, rename): a kill -9 leaves either the
 * old or the new content, never a torn file.
 */
import { readFileSync } from "node:fs";
import { open, rename } from "node:fs/promises";

export function readState<T>(file: string, fallback: T): T {
  try {
    return { ...fallback, ...(JSON.parse(readFileSync(file, "utf8")) as Partial<T>) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    throw new Error(`cannot read state file ${file}: ${(err as Error).message}`);
  }
}

export async function writeState(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.tmp`;
  const fd = await open(tmp, "w");
  try {
    await fd.writeFile(JSON.stringify(value));
    await fd.datasync();
  } finally {
    await fd.close();
  }
  await rename(tmp, file);
}
