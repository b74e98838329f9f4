/**
 * A promoted group's volumes, served writable over NBD at the recovery site: each replica image as
 * a plain file export, on an NBD server of the group's own (one port per group, bound on the
 * control API's host), so the group's clients reconnect to the addresses the failover answered.
 */

import { formatHostPort } from "../../lib/host-port.ts";
import type { Logger } from "../../lib/log.ts";
import { FileBackend } from "../nbd/file-backend.ts";
import { NbdServer } from "../nbd/server.ts";
import { MAX_CHANGE_BYTES } from "../records.ts";

export class PromotedVolumes {
  private constructor(
    private readonly server: NbdServer,
    private readonly backends: FileBackend[],
    readonly volumes: { name: string; uri: string }[],
  ) {}

  static async serve(o: {
    host: string;
    volumes: { name: string; path: string; size: number }[];
    logger: Logger;
  }): Promise<PromotedVolumes> {
    const backends: FileBackend[] = [];
    try {
      for (const v of o.volumes) backends.push(await FileBackend.open({ name: v.name, path: v.path, size: v.size }));
      const byName = new Map(backends.map((b) => [b.name, b]));
      const server = new NbdServer({
        maxRequestBytes: MAX_CHANGE_BYTES,
        lookup: (name) => byName.get(name),
        list: () => [...byName.keys()],
        logger: o.logger,
      });
      const bound = await server.listen(o.host, 0);
      const at = formatHostPort(bound);
      return new PromotedVolumes(
        server,
        backends,
        o.volumes.map((v) => ({ name: v.name, uri: `nbd://${at}/${v.name}` })),
      );
    } catch (err) {
      for (const b of backends) await b.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.server.close();
    for (const b of this.backends) {
      await b.flush();
      await b.close();
    }
  }
}
