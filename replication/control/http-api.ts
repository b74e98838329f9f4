/**
 * The site's control and status API (docs/engine-api.md): express routes for status and
 * operations, and the WebSocket `/stream` of StreamMessage (a snapshot every second plus events;
 * snapshots are built only while someone subscribes).
 * Every route and the WebSocket upgrade pass through the one auth seam (lib/http-auth.ts).
 */
import { createServer, type Server } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { WebSocketServer } from "ws";
import { type Authenticate, allowAll, authMiddleware, upgradeAllowed } from "../../lib/http-auth.ts";
import type { Logger } from "../../lib/log.ts";
import type { StreamMessage } from "../status.ts";
import { failoverRoutes } from "./failover-routes.ts";
import { recoveryRoutes } from "./recovery-routes.ts";
import { ApiError, type SiteControl } from "./site-control.ts";

const BOOKMARK_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export class ControlServer {
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly site: SiteControl,
    private readonly logger: Logger,
    private readonly authenticate: Authenticate = allowAll,
  ) {
    this.server = createServer(this.routes());
    this.server.on("upgrade", async (req, socket, head) => {
      if (new URL(req.url ?? "/", "http://x").pathname !== "/stream") {
        socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
        return;
      }
      if (!(await upgradeAllowed(authenticate, req, socket))) return;
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        ws.send(JSON.stringify({ type: "snapshot", status: site.status() } satisfies StreamMessage));
        this.timer ??= setInterval(() => this.broadcast({ type: "snapshot", status: site.status() }), 1000);
        ws.once("close", () => {
          if (this.wss.clients.size > 0) return;
          clearInterval(this.timer);
          this.timer = undefined;
        });
      });
    });
    this.unsubscribe = site.events.subscribe((event, timestamp) => this.broadcast({ type: "event", timestamp, event }));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const a = this.server.address();
        const bound = typeof a === "object" && a ? a.port : port;
        this.logger.info({ host, port: bound }, "control API listening");
        resolve(bound);
      });
    });
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    this.unsubscribe();
    for (const ws of this.wss.clients) ws.terminate();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private broadcast(msg: StreamMessage): void {
    if (this.wss.clients.size === 0) return;
    const text = JSON.stringify(msg);
    for (const ws of this.wss.clients) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  private routes(): express.Express {
    const app = express();
    const { site } = this;
    app.use(authMiddleware(this.authenticate));
    app.use(express.json({ limit: "64kb" }));
    app.get("/status", (_req, res) => {
      res.json(site.status());
    });
    app.post("/groups/:group/bookmarks", async (req, res) => {
      const name = (req.body as { name?: unknown } | undefined)?.name;
      if (typeof name !== "string" || !BOOKMARK_NAME.test(name))
        throw new ApiError(400, 'body must be {"name": string} of 1-128 characters A-Z a-z 0-9 . _ : -');
      res.status(201).json(await site.bookmark(String(req.params.group), name));
    });
    app.put("/link/limit", (req, res) => {
      const bps = (req.body as { bytesPerSecond?: unknown } | undefined)?.bytesPerSecond;
      if (bps !== null && (typeof bps !== "number" || !Number.isInteger(bps) || bps < 0))
        throw new ApiError(400, 'body must be {"bytesPerSecond": integer >= 0 (0 = unlimited) or null (config)}');
      res.json({ limitBytesPerSecond: site.setLinkLimit(bps) });
    });
    app.post("/groups/:group/pause", async (req, res) => {
      await site.pause(String(req.params.group));
      res.json({ ok: true });
    });
    app.post("/groups/:group/resume", async (req, res) => {
      await site.resume(String(req.params.group));
      res.json({ ok: true });
    });
    app.post("/groups/:group/resync", (req, res) => {
      const kind = (req.body as { kind?: unknown } | undefined)?.kind ?? "fast";
      if (kind !== "full" && kind !== "fast") throw new ApiError(400, 'kind must be "full" or "fast"');
      site.resync(String(req.params.group), kind);
      res.status(202).json({ ok: true, kind });
    });
    app.delete("/groups/:group/source", async (req, res) => {
      await site.releaseSource(String(req.params.group));
      res.json({ ok: true });
    });
    app.use(recoveryRoutes(() => site.recovery));
    app.use(failoverRoutes(() => site.failovers));
    app.use((_req, _res, next) => next(new ApiError(404, "no such route")));
    app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
      const status =
        err instanceof ApiError ? err.status : err.type === "entity.parse.failed" ? 400 : (err.status ?? 500);
      if (status >= 500) this.logger.error({ err }, "control API error");
      res.status(status).json({ error: status >= 500 ? "internal error" : err.message });
    });
    return app;
  }
}
