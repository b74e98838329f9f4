/** Small durable-file helpers shared by the journal and its state file. */
import { open, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { writeAllAt } from "../../lib/positional-io.ts";

/** Makes a directory entry (a created, renamed or deleted file) durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Replaces `path` atomically: a crash leaves either the old or the new content, never a mix. */
export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, "w");
  try {
    await writeAllAt(fh.fd, [Buffer.from(data)], 0);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(dirname(path));
}
