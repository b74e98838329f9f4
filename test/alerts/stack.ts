/**
 * The alerting stack on real services, shared by the end-to-end test and the alerts benchmark:
 * a bundled-engine pair with a fault proxy on its link (RPO target 3 s), collector and exporter
 * with the notifier's webhook mounted, snmptrapd and an SMTP sink; plus the two alert paths,
 * real Prometheus + Alertmanager with the generated files, or the built-in evaluator.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { buildAlertmanagerConfig } from "../../alerts/alertmanager-config.ts";
import { alertsConfig } from "../../alerts/config.ts";
import { AlertEvaluator } from "../../alerts/evaluator.ts";
import { createNotifier } from "../../alerts/notifier/from-config.ts";
import type { Notifier } from "../../alerts/notifier/notifier.ts";
import { createAlertmanagerWebhookRouter, webhookRefusalCounts } from "../../alerts/notifier/router.ts";
import { NotificationStats } from "../../alerts/notifier/stats.ts";
import { buildRules } from "../../alerts/rules.ts";
import { createLogger } from "../../lib/log.ts";
import { alerts, notificationOid, OBJECTS_OID } from "../../model/alerts.ts";
import { NbdClient } from "../../replication/nbd/client.ts";
import { type Rig, startRig } from "../collector/support/exporter-rig.ts";
import { EnginePair } from "../engine/harness.ts";
import { startAlertmanager } from "../services/alertmanager.ts";
import { startPrometheus } from "../services/prometheus.ts";
import { type Mail, type SmtpSinkInstance, startSmtpSink } from "../services/smtp-sink.ts";
import { type ParsedTrap, type SnmptrapdInstance, startSnmptrapd } from "../services/snmptrapd.ts";
import { waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

export const RPO_TARGET_SECONDS = 3;
export const PRODUCTION_SITE = "prod-a";
const COMMUNITY = "rpo-e2e";
const RPO_OID = notificationOid(alerts.rpoThresholdExceeded);
const SOURCE_DOWN_OID = notificationOid(alerts.sourceDown);

export const varbind = (t: ParsedTrap, id: number) => t.varbinds.find((v) => v.oid === `${OBJECTS_OID}.${id}.0`)?.value;
const trapOid = (t: ParsedTrap) => t.varbinds.find((v) => v.oid === "1.3.6.1.6.3.1.1.4.1.0")?.value;

/** The production site's RpoThresholdExceeded trap for group g1 (both sites report the group). */
export const isRpoTrap = (state: "firing" | "resolved", since: Date) => (t: ParsedTrap) =>
  t.receivedAt >= since &&
  trapOid(t) === RPO_OID &&
  varbind(t, 6) === "g1" &&
  varbind(t, 5) === PRODUCTION_SITE &&
  varbind(t, 2) === (state === "firing" ? "1" : "2");

/** The SourceDown trap of the production site's source (a killed engine). */
export const isSourceDownTrap = (state: "firing" | "resolved", since: Date) => (t: ParsedTrap) =>
  t.receivedAt >= since &&
  trapOid(t) === SOURCE_DOWN_OID &&
  varbind(t, 14) === PRODUCTION_SITE &&
  varbind(t, 2) === (state === "firing" ? "1" : "2");

/** The e-mail that reports the production site's source down (or up again). */
export const isSourceDownMail = (state: "firing" | "resolved") => (m: { text: string | null }) =>
  (m.text ?? "").includes(`${state === "firing" ? "CRITICAL" : "RESOLVED"} SourceDown (source=${PRODUCTION_SITE}`);

/**
 * Mail from now on: the returned wait skips every message the sink held when this was called, and
 * reports when (ms since the epoch, to the 100 ms of its polling) it saw the one it waited for.
 */
export function mailFromNow(smtp: SmtpSinkInstance) {
  const before = smtp.messages().length;
  return async (predicate: (mail: Mail) => boolean, timeoutMs: number): Promise<{ mail: Mail; seenAt: number }> => {
    const mail = await waitFor(() => smtp.messages().slice(before).find(predicate), {
      timeoutMs,
      what: "a matching mail",
    });
    return { mail, seenAt: Date.now() };
  };
}

export interface PrometheusTimings {
  scrapeInterval: string;
  evaluationInterval: string;
  /** The critical route's group_wait; the generated default when absent. */
  groupWait?: string;
  /** Replaces every rule's `for`; the catalogue's when absent. */
  forOverride?: string;
}

export interface EvaluatorTimings {
  /** Replaces every alert's `for`, in seconds; the catalogue's when absent. */
  forSeconds?: number;
  /** Seconds between evaluations besides those on new snapshots; the configuration's default when absent. */
  intervalSeconds?: number;
}

export interface AlertStack {
  trapd: SnmptrapdInstance;
  smtp: SmtpSinkInstance;
  pair: EnginePair;
  rig: Rig;
  notifier: Notifier;
  /** Cuts the link and writes, so acknowledged data waits at production and its RPO grows. */
  cutLinkAndWrite(): Promise<void>;
  restoreLink(): void;
  /** kill -9 of the production engine: no shutdown code runs, its source goes down. */
  killProduction(): Promise<void>;
  /** Starts the production engine again and waits until replication has caught up. */
  restartProduction(): Promise<void>;
  /** SIGSTOP of the production engine: a hung site, its sockets open and silent. */
  freezeProduction(): void;
  /** SIGCONT of the frozen production engine; waits until replication has caught up. */
  thawProduction(): Promise<void>;
  /** Starts Prometheus and Alertmanager with the generated rules and config; returns their stop. */
  startPrometheusPath(t: PrometheusTimings): Promise<() => Promise<void>>;
  /** Attaches the built-in evaluator to the collector (1 s `for` and interval unless given); returns its detach. */
  startEvaluatorPath(t?: EvaluatorTimings): () => void;
  stop(): Promise<void>;
}

/** The harness has no RPO-target option; a short target keeps runs short. */
function shortRpoTarget(file: string): void {
  writeFileSync(
    file,
    readFileSync(file, "utf8").replace("  - name: g1\n", `  - name: g1\n    rpoTarget: ${RPO_TARGET_SECONDS}\n`),
  );
}

export async function startAlertStack(): Promise<AlertStack> {
  const dir = await makeTempDir("alerts-stack");
  const cleanups: Array<() => Promise<unknown>> = [() => removeTempDir(dir)];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  try {
    const [trapd, smtp] = await Promise.all([startSnmptrapd({ community: COMMUNITY }), startSmtpSink({})]);
    cleanups.push(
      () => trapd.stop(),
      () => smtp.stop(),
    );
    const pair = await EnginePair.create({ proxy: true, volumeSize: "4MiB" });
    cleanups.push(() => pair.close());
    shortRpoTarget(pair.configs.production);
    shortRpoTarget(pair.configs.recovery);
    await pair.start("recovery");
    await pair.start("production");
    const rig = await startRig([
      { name: PRODUCTION_SITE, url: `http://127.0.0.1:${pair.ports.control.production}` },
      { name: "rec-b", url: `http://127.0.0.1:${pair.ports.control.recovery}` },
    ]);
    cleanups.push(() => rig.stop());
    const config = alertsConfig.parse({
      snmp: [{ host: "127.0.0.1", port: trapd.port, community: { env: "COMMUNITY" } }],
      email: {
        host: "127.0.0.1",
        port: smtp.port,
        starttls: false,
        from: "rpowatch@example.net",
        to: ["noc@example.net"],
      },
      retries: { attempts: 2, backoff: 0.2 },
    });
    const notifier = createNotifier(config, new NotificationStats(), createLogger("silent"), { COMMUNITY });
    cleanups.push(() => notifier.idle());
    rig.exporter.app.use(createAlertmanagerWebhookRouter(notifier, webhookRefusalCounts()));
    await pair.caughtUp();

    return {
      trapd,
      smtp,
      pair,
      rig,
      notifier,
      stop,
      async cutLinkAndWrite() {
        pair.proxy!.cut();
        const nbd = await NbdClient.connect({ host: "127.0.0.1", port: pair.ports.nbd, exportName: "vol1" });
        await nbd.write(0, Buffer.alloc(64 * 1024, Date.now() % 251));
        await nbd.flush();
        await nbd.disconnect();
      },
      restoreLink: () => pair.proxy!.restore(),
      killProduction: () => pair.kill9("production"),
      async restartProduction() {
        await pair.start("production");
        await pair.caughtUp();
      },
      freezeProduction: () => process.kill(pair.proc.production!.pid, "SIGSTOP"),
      async thawProduction() {
        process.kill(pair.proc.production!.pid, "SIGCONT");
        await pair.caughtUp();
      },
      async startPrometheusPath(t) {
        const rules = join(dir, "rules.yml");
        await writeFile(rules, stringify(buildRules({ forOverride: t.forOverride }), { lineWidth: 0 }));
        const amConfig = buildAlertmanagerConfig({
          rpowatchUrl: rig.running.url,
          groupWait: t.groupWait,
          groupInterval: "1s",
          repeatInterval: "1h",
        });
        const am = await startAlertmanager({ configYaml: stringify(amConfig) });
        const prom = await startPrometheus({
          scrapeTargets: [{ job: "rpowatch", targets: [rig.running.url.replace("http://", "")] }],
          scrapeInterval: t.scrapeInterval,
          evaluationInterval: t.evaluationInterval,
          ruleFiles: [rules],
          alertmanagers: [am.address],
        }).catch(async (err) => {
          await am.stop();
          throw err;
        });
        const stopPath = async () => {
          await prom.stop();
          await am.stop();
        };
        cleanups.push(stopPath);
        return stopPath;
      },
      startEvaluatorPath(t = { forSeconds: 1, intervalSeconds: 1 }) {
        const evaluator = new AlertEvaluator({ notify: (n) => notifier.dispatch(n), forSeconds: t.forSeconds });
        return evaluator.attach(rig.collector, t.intervalSeconds ?? config.evaluator.interval);
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
