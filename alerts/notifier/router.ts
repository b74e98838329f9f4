/**
 * The Alertmanager webhook receiver as an express router, mountable on any app (the exporter
 * mounts it): `POST /api/v1/alertmanager`. A malformed body gets 400 with the reason and nothing
 * is sent; a valid one is accepted (202) and delivered in the background.
 */
import express, { type Router } from "express";
import { WEBHOOK_PATH } from "../alertmanager-config.ts";
import type { Notifier } from "./notifier.ts";
import { describeIssues, webhookPayload } from "./webhook.ts";

export function createAlertmanagerWebhookRouter(notifier: Notifier): Router {
  const router = express.Router();
  router.post(WEBHOOK_PATH, express.json({ limit: "5mb" }), (req, res) => {
    const parsed = webhookPayload.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: `invalid Alertmanager webhook payload: ${describeIssues(parsed.error)}` });
      return;
    }
    const tenant = typeof req.query.tenant === "string" && req.query.tenant !== "" ? req.query.tenant : undefined;
    notifier.dispatch({ payload: parsed.data, routeTenant: tenant });
    res.status(202).json({ accepted: parsed.data.alerts.length });
  });
  // Bodies that are not JSON at all fail in express.json(); answer them as 400 too, not 500.
  router.use(WEBHOOK_PATH, ((err, _req, res, next) => {
    if (res.headersSent) return next(err);
    res.status(400).json({ error: `invalid Alertmanager webhook payload: ${(err as Error).message}` });
  }) as express.ErrorRequestHandler);
  return router;
}
