/**
 * HTTP push route: `POST /api/v1/push` with a JSON batch. Checks run cheapest first, and nothing
 * reaches the source unless all pass: auth (401/403), content type (415), size (413), JSON and
 * schema (400). Mount the router on the exporter's express app: `app.use(pushRouter(registry))`.
 */
import type { IncomingMessage } from "node:http";
import { type Response, Router } from "express";
import { authenticatePush } from "./push-auth.ts";
import { handlePushPayload, PUSH_MAX_BYTES } from "./push-payload.ts";
import type { PushRegistry } from "./push-source.ts";

export const PUSH_PATH = "/api/v1/push";

const send = (res: Response, status: number, body: object) => res.status(status).json(body);
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function pushRouter(registry: PushRegistry): Router {
  const router = Router();
  router.post(PUSH_PATH, async (req, res) => {
    const auth = authenticatePush(registry, req.headers);
    if ("status" in auth) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="rpowatch-push"');
      return send(res, auth.status, { ok: false, error: auth.error, issues: [] });
    }
    if (!/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(req.headers["content-type"] ?? "")) {
      auth.source.refuse("Content-Type must be application/json");
      return send(res, 415, { ok: false, error: "Content-Type must be application/json", issues: [] });
    }
    let body: Buffer | "too-large";
    try {
      body = await readLimited(req, PUSH_MAX_BYTES);
    } catch {
      return; // the client went away mid-body: nobody to answer
    }
    if (body === "too-large") {
      auth.source.refuse(`body larger than ${PUSH_MAX_BYTES} bytes`);
      return send(res, 413, { ok: false, error: `body larger than ${PUSH_MAX_BYTES} bytes`, issues: [] });
    }
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      auth.source.refuse("body is not valid UTF-8");
      return send(res, 400, { ok: false, error: "body is not valid UTF-8", issues: [] });
    }
    const reply = handlePushPayload(auth.source, text);
    send(res, reply.status, reply.body);
  });
  return router;
}

/**
 * Reads the body up to `limit` bytes. Beyond it, answers "too-large" at once and lets the rest
 * drain unbuffered, so the client still gets its 413 instead of a reset connection.
 */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | "too-large"> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > limit) {
      req.resume();
      return resolve("too-large");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        chunks.length = 0;
        resolve("too-large"); // later calls are no-ops; the rest of the body is read and dropped
      }
    });
    req.once("end", () => resolve(size > limit ? "too-large" : Buffer.concat(chunks)));
    req.once("error", reject);
  });
}
