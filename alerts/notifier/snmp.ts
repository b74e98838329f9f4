/**
 * SNMP channel: one notification per alert per target, v2c or v3 authPriv, as a trap or (option)
 * an acknowledged INFORM. A fresh session per delivery keeps a dead receiver from poisoning later sends.
 */

import netSnmp, { type Session as SnmpSession, type Varbind } from "net-snmp";
import { notificationOid } from "../../model/alerts.ts";
import type { DeliveryContext } from "./deliver.ts";
import { deliver } from "./deliver.ts";
import { alertVarbinds, catalogueAlert } from "./snmp-varbinds.ts";
import type { Notification, NotifierChannel } from "./webhook.ts";

export interface SnmpTarget {
  host: string;
  port: number;
  inform: boolean;
  /** Seconds per INFORM attempt. */
  timeout: number;
  /** v2c community, or a v3 authPriv user (secrets already resolved). */
  auth:
    | { version: "2c"; community: string }
    | {
        version: "3";
        user: string;
        authProtocol: keyof typeof netSnmp.AuthProtocols;
        authKey: string;
        privProtocol: keyof typeof netSnmp.PrivProtocols;
        privKey: string;
        engineId?: string;
      };
}

export const destinationName = (t: SnmpTarget) => `${t.host}:${t.port}`;

function openSession(t: SnmpTarget): SnmpSession {
  const options = {
    version: t.auth.version === "3" ? netSnmp.Version3 : netSnmp.Version2c,
    trapPort: t.port,
    // Retries belong to deliver(); net-snmp's own would hide attempts from the counters.
    retries: 0,
    timeout: t.timeout * 1000,
  };
  if (t.auth.version === "2c") return netSnmp.createSession(t.host, t.auth.community, options);
  const a = t.auth;
  return netSnmp.createV3Session(
    t.host,
    {
      name: a.user,
      level: netSnmp.SecurityLevel.authPriv,
      authProtocol: netSnmp.AuthProtocols[a.authProtocol],
      authKey: a.authKey,
      privProtocol: netSnmp.PrivProtocols[a.privProtocol],
      privKey: a.privKey,
    },
    { ...options, ...(a.engineId && { engineID: a.engineId }) },
  );
}

function sendOnce(t: SnmpTarget, oid: string, varbinds: Varbind[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const session = openSession(t);
    let settled = false;
    const done = (err: Error | null) => {
      if (settled) return;
      settled = true;
      session.close();
      if (err) reject(err);
      else resolve();
    };
    session.on("error", done);
    if (t.inform) session.inform(oid, varbinds, {}, done);
    else session.trap(oid, varbinds, {}, done);
  });
}

export class SnmpChannel implements NotifierChannel {
  readonly name = "snmp";

  constructor(
    private readonly targets: readonly SnmpTarget[],
    private readonly ctx: DeliveryContext,
  ) {
    for (const t of targets) ctx.stats.declare(this.name, destinationName(t));
  }

  async send(notification: Notification): Promise<void> {
    const jobs = notification.payload.alerts.flatMap((alert) => {
      const def = catalogueAlert(alert);
      if (!def) {
        this.ctx.log.warn(
          { alertname: alert.labels.alertname },
          "no RPOWATCH-MIB notification for alert; no trap sent",
        );
        return [];
      }
      const varbinds = alertVarbinds(alert, def);
      return this.targets.map((t) =>
        deliver(this.ctx, this.name, destinationName(t), () => sendOnce(t, notificationOid(def), varbinds)),
      );
    });
    await Promise.all(jobs);
  }
}
