/**
 * Composes an engine site by role and serves its control API. Hooks for what comes next
 * (point-in-time exports `vol@point`, test failover, failover and failback) attach here, next to
 * the role-specific site objects.
 */
import { parseHostPort } from "../lib/host-port.ts";
import type { Logger } from "../lib/log.ts";
import type { SiteConfig } from "./config.ts";
import { ControlServer } from "./control/http-api.ts";
import { ProductionSite } from "./production-site.ts";
import { RecoverySite } from "./recovery-site.ts";

export interface RunningSite {
  /** Ports bound (the configured ones, or those the system chose for port 0). */
  controlPort: number;
  nbdPort?: number;
  linkPort?: number;
  stop(): Promise<void>;
}

export async function startSite(config: SiteConfig, version: string, logger: Logger): Promise<RunningSite> {
  const site =
    config.role === "production"
      ? new ProductionSite(config, version, logger)
      : new RecoverySite(config, version, logger);
  const control = new ControlServer(site, logger);
  const { host, port } = parseHostPort(config.control.listen);
  let controlPort: number;
  let bound: { nbdPort?: number; linkPort?: number };
  try {
    bound = await site.start();
    controlPort = await control.listen(host, port);
  } catch (err) {
    // A half-started site must not linger (an NBD export without its API, a link without status).
    await control.close().catch(() => {});
    await site.stop().catch(() => {});
    throw err;
  }
  return {
    controlPort,
    ...bound,
    async stop() {
      await control.close();
      await site.stop();
    },
  };
}
