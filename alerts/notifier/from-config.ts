/** Builds the notifier and its channels from the `alerts` config section, resolving secrets. */

import { resolveSecret } from "../../lib/config-file.ts";
import type { Logger } from "../../lib/log.ts";
import type { AlertsConfig, SnmpTargetConfig } from "../config.ts";
import { EmailChannel } from "./email.ts";
import { Notifier } from "./notifier.ts";
import { SnmpChannel, type SnmpTarget } from "./snmp.ts";
import type { NotificationStats } from "./stats.ts";
import type { NotifierChannel } from "./webhook.ts";

function snmpTarget(t: SnmpTargetConfig, env: NodeJS.ProcessEnv): SnmpTarget {
  const base = { host: t.host, port: t.port, inform: t.inform, timeout: t.timeout };
  if (t.version === "2c") return { ...base, auth: { version: "2c", community: resolveSecret(t.community!, env) } };
  const u = t.user!;
  return {
    ...base,
    auth: {
      version: "3",
      user: u.name,
      authProtocol: u.authProtocol,
      authKey: resolveSecret(u.authKey, env),
      privProtocol: u.privProtocol,
      privKey: resolveSecret(u.privKey, env),
      engineId: u.engineId,
    },
  };
}

export function createNotifier(
  config: AlertsConfig,
  stats: NotificationStats,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Notifier {
  const ctx = { stats, log, retry: { attempts: config.retries.attempts, backoffSeconds: config.retries.backoff } };
  const channels: NotifierChannel[] = [];
  if (config.snmp.length > 0)
    channels.push(
      new SnmpChannel(
        config.snmp.map((t) => snmpTarget(t, env)),
        ctx,
      ),
    );
  const e = config.email;
  if (e) {
    channels.push(
      new EmailChannel(
        {
          ...e,
          auth: e.auth && { user: e.auth.user, password: resolveSecret(e.auth.password, env) },
          tenantRecipients: new Map(config.routes.map((r) => [r.tenant, r.email])),
        },
        ctx,
      ),
    );
  }
  return new Notifier(channels, log);
}
