/**
 * The one authentication seam in front of every exporter endpoint: HTTP routes (including those
 * other parts mount later, such as the push API and the Alertmanager webhook) and WebSocket
 * upgrades. It passes everything through today; securing the endpoints means supplying another
 * `Authenticate` (bearer token, mTLS subject check…) to createExporterApp, nothing else changes.
 */
import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";

export type AuthDecision =
  | { allowed: true; principal?: string }
  | { allowed: false; status: 401 | 403; reason: string };
export type Authenticate = (req: IncomingMessage) => AuthDecision | Promise<AuthDecision>;

/** The current policy: no authentication (bind the exporter to a trusted interface). */
export const allowAll: Authenticate = () => ({ allowed: true });

export function authMiddleware(authenticate: Authenticate): RequestHandler {
  return async (req, res, next) => {
    const decision = await authenticate(req);
    if (decision.allowed) return next();
    res.status(decision.status).type("text/plain").send(`${decision.reason}\n`);
  };
}
