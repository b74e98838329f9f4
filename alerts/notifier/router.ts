/**
 * The Alertmanager webhook receiver as an express router, mountable on any app (the exporter
 * mounts it): `POST /api/v1/alertmanager`. A refused post gets its status and the reason, nothing
 * of it is sent, and it is counted by reason (rpowatch_alertmanager_webhook_refusals_total); a
 * valid one is accepted (202) and delivered in the background.
 */
import express, { type Router } from "express";
import type { Logger } from "../../lib/log.ts";
import { RefusalCounts } from "../../lib/refusal-counts.ts";
import { metrics } from "../../model/metrics.ts";
import { WEBHOOK_PATH } from "../alertmanager-config.ts";
import type { Notifier } from "./notifier.ts";
import { describeIssues, webhookPayload } from "./webhook.ts";

export type WebhookRefusalReason = (typeof metrics.alertmanagerWebhookRefusals.extraLabels.reason)[number];

const MAX_BODY = "5mb";

/** The counters of refused posts, every reason at 0, logged once per burst through `logger`. */
export function webhookRefusalCounts(logger?: Logger): RefusalCounts<WebhookRefusalReason> {
  return new RefusalCounts(
    metrics.alertmanagerWebhookRefusals.extraLabels.reason,
    "Alertmanager webhook refused",
    logger,
  );
}

export function createAlertmanagerWebhookRouter(
  notifier: Notifier,
  refusals: RefusalCounts<WebhookRefusalReason>,
): Router {
  const router = express.Router();
  const refuse = (res: express.Response, status: number, reason: WebhookRefusalReason, error: string) => {
    refusals.refused(reason, error);
    res.status(status).json({ error, reason });
  };
  router.post(
    WEBHOOK_PATH,
    (req, res, next) => {
      // Alertmanager always sends JSON; any other body would otherwise reach the schema as nothing.
      if (req.is("application/json")) return next();
      refuse(
        res,
        415,
        "unsupported_media_type",
        "invalid Alertmanager webhook post: Content-Type must be application/json",
      );
    },
    express.json({ limit: MAX_BODY }),
    (req, res) => {
      const parsed = webhookPayload.safeParse(req.body);
      if (!parsed.success) {
        refuse(res, 400, "invalid_payload", `invalid Alertmanager webhook payload: ${describeIssues(parsed.error)}`);
        return;
      }
      refusals.accepted();
      const tenant = typeof req.query.tenant === "string" && req.query.tenant !== "" ? req.query.tenant : undefined;
      notifier.dispatch({ payload: parsed.data, routeTenant: tenant });
      res.status(202).json({ accepted: parsed.data.alerts.length });
    },
  );
  // Bodies express.json() cannot read: over the bound (413), or not JSON at all (400), never a 500.
  router.use(WEBHOOK_PATH, ((err, _req, res, next) => {
    if (res.headersSent) return next(err);
    if ((err as { type?: string }).type === "entity.too.large") {
      refuse(res, 413, "too_large", `invalid Alertmanager webhook post: body larger than ${MAX_BODY}`);
    } else {
      refuse(res, 400, "not_json", `invalid Alertmanager webhook payload: ${(err as Error).message}`);
    }
  }) as express.ErrorRequestHandler);
  return router;
}
