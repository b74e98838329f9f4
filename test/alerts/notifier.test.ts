/**
 * The notifier against real receivers: snmptrapd (v2c traps, v3 authPriv, INFORM) and an SMTP sink
 * with STARTTLS and AUTH, fed through the webhook router on a real HTTP server.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsConfig } from "../../alerts/config.ts";
import { ALERT_STATES, SEVERITY_CODES } from "../../alerts/mib-objects.ts";
import { createNotifier } from "../../alerts/notifier/from-config.ts";
import type { Notifier } from "../../alerts/notifier/notifier.ts";
import { createAlertmanagerWebhookRouter, webhookRefusalCounts } from "../../alerts/notifier/router.ts";
import { NotificationStats } from "../../alerts/notifier/stats.ts";
import { createLogger } from "../../lib/log.ts";
import { alerts, notificationOid, OBJECTS_OID } from "../../model/alerts.ts";
import { type SmtpSinkInstance, startSmtpSink } from "../services/smtp-sink.ts";
import { type ParsedTrap, type SnmptrapdInstance, startSnmptrapd } from "../services/snmptrapd.ts";
import { deadTcpReceiver, deadUdpReceiver } from "../support/net.ts";
import { payload } from "./payloads.ts";

const ENGINE_ID = "8000B98380A1B2C3D4E5F60719";
const V3 = {
  user: "rpowatch",
  authProtocol: "SHA",
  authKey: "auth-pass-123",
  privProtocol: "AES",
  privKey: "priv-pass-123",
} as const;
const ENV = { SNMP_COMMUNITY: "rpo-ci", V3_AUTH: V3.authKey, V3_PRIV: V3.privKey, SMTP_PASSWORD: "mail-pass" };
const DB = { tenant: "acme", site: "dr", group: "db", source: "engine" };
const log = createLogger("silent");

let trapd: SnmptrapdInstance;
let smtp: SmtpSinkInstance;

async function serve(notifier: Notifier): Promise<{ url: string; server: Server }> {
  const app = express();
  app.use(createAlertmanagerWebhookRouter(notifier, webhookRefusalCounts()));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/alertmanager`, server };
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

const varbind = (trap: ParsedTrap, id: number) => trap.varbinds.find((v) => v.oid === `${OBJECTS_OID}.${id}.0`)?.value;
const trapOid = (trap: ParsedTrap) => trap.varbinds.find((v) => v.oid === "1.3.6.1.6.3.1.1.4.1.0")?.value;

beforeAll(async () => {
  [trapd, smtp] = await Promise.all([
    startSnmptrapd({ community: "rpo-ci", v3Users: [{ ...V3, engineId: ENGINE_ID }] }),
    startSmtpSink({ starttls: true, auth: { user: "noc", password: ENV.SMTP_PASSWORD } }),
  ]);
});
afterAll(async () => {
  await Promise.all([trapd?.stop(), smtp?.stop()]);
});

describe("healthy receivers", () => {
  let notifier: Notifier;
  let stats: NotificationStats;
  let http: { url: string; server: Server };

  beforeAll(async () => {
    stats = new NotificationStats();
    const config = alertsConfig.parse({
      snmp: [
        { host: "127.0.0.1", port: trapd.port, version: "2c", community: { env: "SNMP_COMMUNITY" } },
        {
          host: "127.0.0.1",
          port: trapd.port,
          version: "3",
          inform: false,
          user: {
            name: V3.user,
            authProtocol: "sha",
            authKey: { env: "V3_AUTH" },
            privProtocol: "aes",
            privKey: { env: "V3_PRIV" },
            engineId: ENGINE_ID,
          },
        },
      ],
      email: {
        host: "127.0.0.1",
        port: smtp.port,
        starttls: true,
        insecureSkipVerify: true,
        auth: { user: "noc", password: { env: "SMTP_PASSWORD" } },
        from: "rpowatch@example.net",
        to: ["noc@example.net"],
      },
      routes: [{ tenant: "acme", email: ["ops@acme.example"] }],
    });
    notifier = createNotifier(config, stats, log, ENV);
    http = await serve(notifier);
  });
  afterAll(() => new Promise<void>((r) => http.server.close(() => r())));

  it("a storm of alerts is one trap per alert and target, and one e-mail", async () => {
    const body = payload([
      { key: "rpoThresholdExceeded", labels: DB, value: 3600, threshold: 1800 },
      { key: "rpoThresholdExceeded", labels: { ...DB, group: "web" }, value: 2000, threshold: 1800 },
      {
        key: "linkDown",
        labels: { tenant: "acme", site: "dr", link: "wan0", source: "engine" },
        value: 0,
        threshold: 1,
      },
    ]);
    const response = await post(`${http.url}?tenant=acme`, body);
    expect(response.status).toBe(202);
    await notifier.idle();

    const oid = notificationOid(alerts.rpoThresholdExceeded);
    const isDbTrap = (version: string) => (t: ParsedTrap) =>
      t.version === version && trapOid(t) === oid && varbind(t, 6) === "db";
    const v2 = await trapd.waitForTrap(isDbTrap("2c"), 10_000);
    await trapd.waitForTrap(isDbTrap("3"), 10_000);
    expect(v2.community).toBe("rpo-ci");
    expect(varbind(v2, 1)).toBe(body.alerts[0]!.fingerprint);
    expect(varbind(v2, 2)).toBe(String(ALERT_STATES.firing));
    expect(varbind(v2, 3)).toBe(String(SEVERITY_CODES.critical));
    expect([varbind(v2, 4), varbind(v2, 5)]).toEqual(["acme", "dr"]);
    expect(varbind(v2, 8)).toBe("3600");
    expect(varbind(v2, 9)).toBe("1800");
    // DateAndTime 2026-11-22 10:00:00.1 UTC
    expect(varbind(v2, 12)).toBe("07 EA 0B 16 0A 00 00 01 2B 00 00");
    expect(v2.varbinds.find((v) => v.oid === `${OBJECTS_OID}.8.0`)?.type).toBe("Gauge32");

    const mail = await smtp.waitForMail((m) => m.subject.includes("3 firing"), 10_000);
    expect(mail.tls).toBe(true);
    expect(mail.authUser).toBe("noc");
    expect(mail.envelopeTo.sort()).toEqual(["noc@example.net", "ops@acme.example"]);
    expect(mail.text).toContain("docs/runbooks.md#rpothresholdexceeded");
    expect(mail.html).toContain('href="https://github.com/rpowatch/rpowatch/blob/main/docs/runbooks.md#linkdown"');
    expect(smtp.messages().filter((m) => m.subject.includes("3 firing"))).toHaveLength(1);

    expect(stats.get("snmp", `127.0.0.1:${trapd.port}`, "sent")).toBe(6);
    expect(stats.get("email", `127.0.0.1:${smtp.port}`, "sent")).toBe(1);
    expect(stats.snapshot().filter((c) => c.result === "failed" && c.count > 0)).toEqual([]);
  });

  it("a resolution sends the clear trap with the same alert id, and a resolved e-mail", async () => {
    const body = payload([{ key: "rpoApproaching", labels: DB, value: 1500, threshold: 1440 }], "resolved");
    expect((await post(http.url, body)).status).toBe(202);
    await notifier.idle();
    const oid = notificationOid(alerts.rpoApproaching);
    const clear = await trapd.waitForTrap((t) => trapOid(t) === oid && varbind(t, 2) === "2", 10_000);
    expect(varbind(clear, 1)).toBe(body.alerts[0]!.fingerprint);
    const mail = await smtp.waitForMail((m) => m.subject.includes("1 resolved: RpoApproaching"), 10_000);
    expect(mail.text).toContain("RESOLVED RpoApproaching");
  });

  it("info alerts are trapped but not mailed by default", async () => {
    const before = stats.get("email", `127.0.0.1:${smtp.port}`, "sent");
    const body = payload([{ key: "resyncRequired", labels: DB, value: 1, threshold: 1 }]);
    body.alerts[0]!.labels.severity = "info";
    expect((await post(http.url, body)).status).toBe(202);
    await notifier.idle();
    await trapd.waitForTrap(
      (t) => trapOid(t) === notificationOid(alerts.resyncRequired) && varbind(t, 3) === "3",
      10_000,
    );
    expect(stats.get("email", `127.0.0.1:${smtp.port}`, "sent")).toBe(before);
  });

  it("malformed payloads get 400 with the reason and send nothing", async () => {
    const before = JSON.stringify(stats.snapshot());
    const missingFingerprint = payload([{ key: "linkDown", labels: DB, value: 0, threshold: 1 }]);
    (missingFingerprint.alerts[0] as { fingerprint?: string }).fingerprint = undefined;
    const cases: Array<[string, string]> = [
      ["{not json", "invalid Alertmanager webhook payload"],
      [JSON.stringify({ version: "4" }), "alerts"],
      [JSON.stringify(missingFingerprint), "alerts.0.fingerprint"],
    ];
    for (const [text, reason] of cases) {
      const r = await fetch(http.url, { method: "POST", headers: { "content-type": "application/json" }, body: text });
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: string }).error).toContain(reason);
    }
    await notifier.idle();
    expect(JSON.stringify(stats.snapshot())).toBe(before);
  });
});

it("unreachable receivers are retried, counted failed once, and do not stop the healthy ones", async () => {
  const stats = new NotificationStats();
  const [deadTrap, deadSmtp] = await Promise.all([deadUdpReceiver(), deadTcpReceiver()]);
  const [deadTrapPort, deadSmtpPort] = [deadTrap.port, deadSmtp.port];
  const config = alertsConfig.parse({
    snmp: [
      { host: "127.0.0.1", port: deadTrapPort, community: { env: "SNMP_COMMUNITY" }, inform: true, timeout: 0.3 },
      { host: "127.0.0.1", port: trapd.port, community: { env: "SNMP_COMMUNITY" }, inform: true },
    ],
    email: { host: "127.0.0.1", port: deadSmtpPort, starttls: false, from: "a@b.c", to: ["noc@example.net"] },
    retries: { attempts: 3, backoff: 0.05 },
  });
  const notifier = createNotifier(config, stats, log, ENV);
  const http = await serve(notifier);
  try {
    const body = payload([{ key: "sourceBitmapMode", labels: { ...DB, group: "inform" }, value: 1, threshold: 1 }]);
    expect((await post(http.url, body)).status).toBe(202);
    const inform = await trapd.waitForTrap((t) => t.pduType === "INFORM" && varbind(t, 6) === "inform", 10_000);
    expect(trapOid(inform)).toBe(notificationOid(alerts.sourceBitmapMode));
    await notifier.idle();
    expect(stats.snapshot().filter((c) => c.count > 0)).toHaveLength(3);
    expect(stats.snapshot()).toEqual(
      expect.arrayContaining([
        { channel: "email", destination: `127.0.0.1:${deadSmtpPort}`, result: "failed", count: 1 },
        { channel: "snmp", destination: `127.0.0.1:${deadTrapPort}`, result: "failed", count: 1 },
        { channel: "snmp", destination: `127.0.0.1:${trapd.port}`, result: "sent", count: 1 },
      ]),
    );
    // Still serving after the failures.
    expect((await post(http.url, { version: "4" })).status).toBe(400);
  } finally {
    await new Promise<void>((r) => http.server.close(() => r()));
    await Promise.all([deadTrap.close(), deadSmtp.close()]);
  }
});

it("every configured destination is counted from the start, at 0 for each result, so its panel has data", () => {
  const stats = new NotificationStats();
  const config = alertsConfig.parse({
    snmp: [{ host: "127.0.0.1", port: 9162, community: { env: "SNMP_COMMUNITY" } }],
    email: { host: "127.0.0.1", port: 2525, starttls: false, from: "a@b.c", to: ["noc@example.net"] },
  });
  createNotifier(config, stats, log, ENV);
  expect(stats.samples()).toEqual([
    [["email", "127.0.0.1:2525", "failed"], 0],
    [["email", "127.0.0.1:2525", "sent"], 0],
    [["snmp", "127.0.0.1:9162", "failed"], 0],
    [["snmp", "127.0.0.1:9162", "sent"], 0],
  ]);
});
