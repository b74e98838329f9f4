/**
 * The site's Unix sockets for NBD clients on its own host (site file `imageAccess.socketDir`): per
 * group, one for its image access or test failover session, `<socketDir>/<group>.sock`, and one
 * for its volumes once a failover promoted them, `<socketDir>/<group>.promoted.sock`. A group name
 * has no '.', so neither name can ever be another group's. Both kinds are made and refused alike:
 * the folder is made ready at the site's start, and a path something else holds (a live socket,
 * another file) is refused with a 409 naming it.
 */
import { constants } from "node:fs";
import { access, mkdir } from "node:fs/promises";
import type { NbdServer } from "./nbd/server.ts";
import { removeStaleUnixSocket, unixSocketObstacle } from "./nbd/unix-socket.ts";

/** Where a group's image access session listens. */
export function imageSocketPath(socketDir: string, group: string): string {
  return `${socketDir.replace(/\/+$/, "")}/${group}.sock`;
}

/** Where a group's promoted volumes (after a failover to this site) listen. */
export function promotedSocketPath(socketDir: string, group: string): string {
  return `${socketDir.replace(/\/+$/, "")}/${group}.promoted.sock`;
}

/** A group's socket path is held by something else: the control API answers 409 with the message. */
export class SocketPathTaken extends Error {
  readonly status = 409;
  constructor(group: string, obstacle: string) {
    super(`group "${group}": ${obstacle}`);
    this.name = "SocketPathTaken";
  }
}

/**
 * Creates `socketDir` when missing and checks that sockets can be made in it, so that a site whose
 * folder cannot hold them refuses to start, naming it, instead of failing its first image or failover.
 */
export async function prepareSocketDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new Error(`imageAccess.socketDir ${dir}: cannot create Unix sockets there (${(err as Error).message})`);
  }
}

/**
 * Removes both sockets of each group that a kill -9 left in the folder, at the site's start, before
 * anything listens: neither an image session nor promoted volumes outlive their process (promoted
 * ones listen again once served). A path another process listens on, or another file, is left
 * alone: listening there is refused, naming it.
 */
export async function removeStaleGroupSockets(dir: string, groups: readonly string[]): Promise<void> {
  for (const group of groups) {
    await removeStaleUnixSocket(imageSocketPath(dir, group));
    await removeStaleUnixSocket(promotedSocketPath(dir, group));
  }
}

/** Refuses (SocketPathTaken) when something else holds the group's socket path; checks only, changes nothing. */
export async function refuseTakenSocket(group: string, path: string): Promise<void> {
  const obstacle = await unixSocketObstacle(path);
  if (obstacle) throw new SocketPathTaken(group, obstacle);
}

/** Listens `server` on the group's socket `path` too; something in the way is refused (SocketPathTaken). */
export async function listenOnGroupSocket(server: NbdServer, group: string, path: string): Promise<void> {
  await server.listenUnix(path).catch((err: Error) => {
    // Something on this host is in the way (a file, permissions): the operator's to clear, so say what.
    throw new SocketPathTaken(group, err.message);
  });
}
