/**
 * The one authentication seam in front of every HTTP endpoint rpowatch serves (the engine's
 * control API, the exporter and the routes mounted on it) and their WebSocket upgrades. It passes
 * everything through today; securing the endpoints means supplying another `Authenticate`
 * (bearer token, mTLS subject check…) where a server is created, nothing else changes.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { RequestHandler } from "express";

export type AuthDecision =
  | { allowed: true; principal?: string }
  | { allowed: false; status: 401 | 403; reason: string };
export type Authenticate = (req: IncomingMessage) => AuthDecision | Promise<AuthDecision>;

/** The current policy: no authentication (bind servers to a trusted interface). */
export const allowAll: Authenticate = () => ({ allowed: true });

/** Express middleware: a refused request gets its status and reason, and goes no further. */
export function authMiddleware(authenticate: Authenticate): RequestHandler {
  return async (req, res, next) => {
    const decision = await authenticate(req);
    if (decision.allowed) return next();
    res.status(decision.status).type("text/plain").send(`${decision.reason}\n`);
  };
}

/** For a WebSocket upgrade: true when allowed; otherwise the HTTP refusal is written and the socket ended. */
export async function upgradeAllowed(
  authenticate: Authenticate,
  req: IncomingMessage,
  socket: Duplex,
): Promise<boolean> {
  const decision = await authenticate(req);
  if (decision.allowed) return true;
  socket.end(`HTTP/1.1 ${decision.status} ${decision.status === 401 ? "Unauthorized" : "Forbidden"}\r\n\r\n`);
  return false;
}
