/**
 * Whether an NBD server may listen on a Unix socket path now. A socket file left by a process
 * that died (a kill -9) is no obstacle: it is replaced. One a live process listens on, or any
 * other file there, is: it is somebody else's, so it is named and left alone.
 */
import { lstat, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { unixSocketPathProblem } from "./address.ts";

/** Why nothing may listen at `path` now, naming it; null when the path is free or holds a stale socket. */
export async function unixSocketObstacle(path: string): Promise<string | null> {
  const problem = unixSocketPathProblem(path);
  if (problem) return `NBD Unix socket ${path}: ${problem}`;
  const existing = await lstat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw err;
  });
  if (!existing) return null;
  if (!existing.isSocket())
    return `NBD Unix socket ${path}: a file that is not a socket is in the way; remove it or choose another path`;
  if (await accepts(path))
    return `NBD Unix socket ${path}: another process is listening on it; stop it or choose another path`;
  return null;
}

/** Makes `path` ready to listen on: an obstacle is refused (an Error naming it), a stale socket removed. */
export async function clearUnixSocketPath(path: string): Promise<void> {
  const obstacle = await unixSocketObstacle(path);
  if (obstacle) throw new Error(obstacle);
  await unlinkIfThere(path);
}

/**
 * Removes a stale socket at `path`, one no process listens on any more; leaves anything else
 * there (a live socket, another file) alone.
 */
export async function removeStaleUnixSocket(path: string): Promise<void> {
  if (!(await unixSocketObstacle(path))) await unlinkIfThere(path);
}

function unlinkIfThere(path: string): Promise<void> {
  return unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== "ENOENT") throw err;
  });
}

/** Whether something accepts connections on the Unix socket at `path` (a stale one refuses them). */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.once("error", () => resolve(false));
  });
}
