/**
 * A promoted group's volumes, served writable over NBD at the recovery site: each replica image as
 * a file export that tracks the 4 KiB blocks written (tracked-backend.ts, for reprotect), on an NBD
 * server of the group's own (one port per group, bound on the control API's host), and on the
 * group's Unix socket too when the site has one for it (group-sockets.ts). After a restart it binds
 * the port it had before, so the group's clients reconnect to the addresses the failover answered;
 * only when that port is taken does it take another, and says so (`previousPort`). A stale socket
 * (a kill -9) is replaced; a socket path something else holds leaves the volumes on TCP only, with
 * an error logged and kept (`socketError`, in the status) naming the path: the failover itself
 * checked the path before promoting, so it is found taken only when they are served again (a restart).
 */
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import { nbdTcpUri, nbdUnixUri } from "../nbd/address.ts";
import { FileBackend } from "../nbd/file-backend.ts";
import { NbdServer } from "../nbd/server.ts";
import { BLOCK_BYTES, DirtyMap, readDirtyRanges } from "../production/dirty-map.ts";
import { MAX_CHANGE_BYTES } from "../records.ts";
import type { VolumeAddress } from "../status.ts";
import { PROMOTED_MAP_SUFFIX, TrackedBackend } from "./tracked-backend.ts";

export class PromotedVolumes {
  private constructor(
    private readonly server: NbdServer,
    private readonly backends: TrackedBackend[],
    readonly volumes: VolumeAddress[],
    readonly port: number,
    /** The port asked for when it was taken and another was bound instead. */
    readonly previousPort?: number,
    /** Why the volumes do not listen on their Unix socket, naming the path; absent when they do or have none. */
    readonly socketError?: string,
  ) {}

  static async serve(o: {
    host: string;
    /** The port the volumes were served on before (a restart); 0 or absent for any free port. */
    port?: number;
    volumes: { name: string; path: string; size: number }[];
    /** The group's Unix socket path (`<socketDir>/<group>.promoted.sock`); absent: TCP only. */
    socket?: string;
    /** Folder of the maps of extents written since the promotion. */
    dir: string;
    logger: Logger;
  }): Promise<PromotedVolumes> {
    const backends: TrackedBackend[] = [];
    try {
      for (const v of o.volumes) {
        const file = await FileBackend.open({ name: v.name, path: v.path, size: v.size });
        backends.push(new TrackedBackend(file, await promotedWrites(o.dir, v.name, v.size)));
      }
      const byName = new Map(backends.map((b) => [b.name, b]));
      const server = new NbdServer({
        maxRequestBytes: MAX_CHANGE_BYTES,
        lookup: (name) => byName.get(name),
        list: () => [...byName.keys()],
        logger: o.logger,
      });
      const wanted = o.port ?? 0;
      const bound = await server.listen(o.host, wanted).catch((err: NodeJS.ErrnoException) => {
        if (wanted === 0 || err.code !== "EADDRINUSE") throw err;
        o.logger.warn(
          { host: o.host, port: wanted },
          "failover: the promoted volumes' port is taken; serving them on a new port, clients must reconnect to the new addresses",
        );
        return server.listen(o.host, 0);
      });
      const socket = o.socket ? await listenUnixOrSay(server, o.socket, o.logger) : {};
      return new PromotedVolumes(
        server,
        backends,
        o.volumes.map((v) => ({
          name: v.name,
          uri: nbdTcpUri(bound.host, bound.port, v.name),
          ...(socket.listening && { unixUri: nbdUnixUri(socket.listening, v.name) }),
        })),
        bound.port,
        bound.port === wanted || wanted === 0 ? undefined : wanted,
        socket.error,
      );
    } catch (err) {
      for (const b of backends) await b.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.server.close();
    for (const b of this.backends) await b.close();
  }
}

/**
 * Listens on the socket, or says why not (logged, and kept for the status) and serves TCP only: the
 * volumes are promoted already, they must be served.
 */
async function listenUnixOrSay(
  server: NbdServer,
  socket: string,
  logger: Logger,
): Promise<{ listening?: string; error?: string }> {
  try {
    await server.listenUnix(socket);
    return { listening: socket };
  } catch (err) {
    const reason = (err as Error).message;
    logger.error(
      { socket, err: reason },
      "failover: the promoted volumes are served over TCP only, their Unix socket path is taken",
    );
    return { error: `the promoted volumes are served over TCP only: ${reason}, then restart the site` };
  }
}

/** The persistent map of a promoted volume's 4 KiB blocks written since the promotion. */
function promotedWrites(dir: string, volume: string, size: number): Promise<DirtyMap> {
  return DirtyMap.open(join(dir, `${volume}${PROMOTED_MAP_SUFFIX}`), size, BLOCK_BYTES);
}

/** The blocks a promoted volume's map holds (none before the first write), read without opening it for writing. */
export function readPromotedWrites(dir: string, volume: string, size: number): { offset: number; length: number }[] {
  return readDirtyRanges(join(dir, `${volume}${PROMOTED_MAP_SUFFIX}`), BLOCK_BYTES, size);
}
