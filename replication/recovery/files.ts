/** Small durable-file helpers shared by the journal, its state file and the replicas. */
import { type FileHandle, open, rename } from "node:fs/promises";
import { dirname } from "node:path";

export async function writeFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** Writes `bufs` back to back at `position` with one writev (the rest, after a rare short write, with write). */
export async function writevFully(fh: FileHandle, bufs: readonly Buffer[], position: number): Promise<void> {
  const total = bufs.reduce((n, b) => n + b.length, 0);
  const { bytesWritten } = await fh.writev(bufs as Buffer[], position);
  if (bytesWritten < total) await writeFully(fh, Buffer.concat(bufs).subarray(bytesWritten), position + bytesWritten);
}

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
    await writeFully(fh, Buffer.from(data), 0);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(dirname(path));
}
