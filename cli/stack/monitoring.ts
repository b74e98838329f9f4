/**
 * The monitoring half of rpowatch wired together: collector, exporter (with the push API, the
 * Alertmanager webhook and the history routes mounted behind its one auth seam), notifier, history
 * built-in evaluator and the report schedule.
 * `rpowatch collect` runs it alone; `rpowatch start` runs it next to the embedded engine.
 */
import { AlertEvaluator } from "../../alerts/evaluator.ts";
import { EmailChannel } from "../../alerts/notifier/email.ts";
import { createNotifier } from "../../alerts/notifier/from-config.ts";
import { createAlertmanagerWebhookRouter, webhookRefusalCounts } from "../../alerts/notifier/router.ts";
import { NotificationStats } from "../../alerts/notifier/stats.ts";
import { Collector } from "../../collector/collector.ts";
import type { SourceConfig } from "../../collector/config.ts";
import type { Extractor } from "../../collector/series.ts";
import { createSource } from "../../collector/sources/factories.ts";
import { pushRouter } from "../../collector/sources/push-routes.ts";
import { PushRegistry } from "../../collector/sources/push-source.ts";
import { PUSH_WS_PATH, pushWebSocketHandler } from "../../collector/sources/push-ws.ts";
import type { StackConfig } from "../../config/schema.ts";
import type { ExtractorOverrides } from "../../exporter/exposition.ts";
import { createExporterApp, type RunningExporter } from "../../exporter/server.ts";
import { historyRouter } from "../../history/http-routes.ts";
import { type RunningHistory, startHistory } from "../../history/start.ts";
import { HistoryStats } from "../../history/stats.ts";
import { parseHostPort } from "../../lib/host-port.ts";
import type { Logger } from "../../lib/log.ts";
import type { SchedulerClock } from "../../reports/schedule/clock.ts";
import type { ReportScheduler } from "../../reports/schedule/scheduler.ts";
import { startReportSchedule } from "../../reports/schedule/start.ts";
import { ReportRunStats } from "../../reports/schedule/stats.ts";

export interface Monitoring {
  collector: Collector;
  evaluator: AlertEvaluator | null;
  exporter: RunningExporter;
  history: RunningHistory | null;
  /** The report schedule (reports.schedule); null when none is configured. */
  reports: ReportScheduler | null;
  stop(): Promise<void>;
}

/** Starts everything; `extraSources` are added to `collector.sources` (the embedded engine sites). */
export async function startMonitoring(
  config: StackConfig,
  logger: Logger,
  extraSources: SourceConfig[] = [],
  /** The report schedule's clock; the system clock unless a test moves its own. */
  reportClock?: SchedulerClock,
): Promise<Monitoring> {
  const collector = new Collector({ sources: [], rateWindowSeconds: config.collector.rateWindow, logger });
  const stats = new NotificationStats();
  const notifier = createNotifier(config.alerts, stats, logger);
  const historyStats = new HistoryStats();
  // The configured address until the exporter has bound its port.
  let instance = config.exporter.listen;
  const evaluator = config.alerts.evaluator.enabled
    ? new AlertEvaluator({
        notify: (n) => notifier.dispatch(n),
        forSeconds: config.embedded.alertFor,
        self: () => ({ instance, historyBuffer: historyStats.buffer() }),
      })
    : null;
  const reportStats = new ReportRunStats();
  const pushRegistry = new PushRegistry({ logger });
  const webhookRefusals = webhookRefusalCounts(logger);
  // An extractor emits its samples; returning them (as this once did) exports nothing.
  const emitAll =
    (counts: { samples(): Array<readonly [readonly string[], number]> }): Extractor =>
    (_snapshot, _now, emit) => {
      for (const [labels, value] of counts.samples()) emit(labels, value);
    };
  const extractorOverrides: ExtractorOverrides = {
    notifications: emitAll(stats),
    pushRefusals: emitAll(pushRegistry.refusals),
    alertmanagerWebhookRefusals: emitAll(webhookRefusals),
    ...historyStats.overrides(),
    ...reportStats.overrides(),
  };
  const app = createExporterApp({
    provider: collector,
    logger,
    extractorOverrides,
    ...(evaluator && { alerts: () => evaluator.firing() }),
  });
  app.app.use(pushRouter(pushRegistry));
  app.webSocket(PUSH_WS_PATH, pushWebSocketHandler(pushRegistry));
  app.app.use(createAlertmanagerWebhookRouter(notifier, webhookRefusals));

  // Sources come after the exporter app exists: push sources answer on its routes.
  for (const source of [...config.collector.sources, ...extraSources]) {
    collector.addSource(createSource(source, { logger, mount: app, pushRegistry }));
  }
  const { host, port } = parseHostPort(config.exporter.listen);
  const exporter = await app.listen(host, port);
  instance = new URL(exporter.url).host;
  const history = config.history.enabled
    ? await startHistory({
        config: config.history,
        dataDir: config.dataDir,
        feed: collector,
        overrides: extractorOverrides,
        stats: historyStats,
        logger,
      }).catch(async (err) => {
        await exporter.close();
        throw err;
      })
    : null;
  if (history) app.app.use(historyRouter(history.reader, history.location));
  // The configuration refuses a schedule without history, and recipients without alerts.email.
  const email = notifier.channels.find((c): c is EmailChannel => c instanceof EmailChannel);
  const reports =
    history && config.reports.schedule.length > 0
      ? await startReportSchedule({
          config: config.reports,
          dataDir: config.dataDir,
          reader: history.reader,
          ...(email && { mailer: { send: (mail) => email.sendMessage(mail) } }),
          stats: reportStats,
          logger,
          ...(reportClock && { clock: reportClock }),
        }).catch(async (err) => {
          await exporter.close();
          await history.stop();
          throw err;
        })
      : null;
  collector.start();
  const detach = evaluator ? evaluator.attach(collector, config.alerts.evaluator.interval) : () => {};

  return {
    collector,
    evaluator,
    exporter,
    history,
    reports,
    async stop() {
      detach();
      await reports?.stop();
      await exporter.close();
      await collector.stop();
      await history?.stop();
      await notifier.idle();
    },
  };
}
