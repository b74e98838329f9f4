/**
 * The exporter's HTTP and WebSocket front: `/metrics` (Prometheus text or OpenMetrics, by Accept),
 * `/api/snapshot`, `/api/alerts` (given an alerts provider), `/healthz`, the live feed at `/live`,
 * and the NOC page's static files at `/`. Everything reads the collector's latest ModelSnapshot;
 * nothing here calls a source. Other parts mount their routes on `app` and their WebSockets with
 * `webSocket()`; all pass the auth seam.
 */
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { fileURLToPath } from "node:url";
import express, { type Express } from "express";
import { type WebSocket, WebSocketServer } from "ws";
import type { SnapshotFeed } from "../collector/snapshot-feed.ts";
import { type Authenticate, allowAll, authMiddleware, upgradeAllowed } from "../lib/http-auth.ts";
import type { Logger } from "../lib/log.ts";
import { CONTENT_TYPES, createExposition, type ExtractorOverrides } from "./exposition.ts";
import type { FiringAlertsProvider } from "./firing-alerts.ts";
import { createLiveFeed } from "./live.ts";
import { negotiateEncoding, negotiateFormat } from "./negotiate.ts";

export interface ExporterOptions {
  provider: SnapshotFeed;
  authenticate?: Authenticate;
  /** Values of catalogue metrics not held in the ModelSnapshot (e.g. the notifier's counters). */
  extractorOverrides?: ExtractorOverrides;
  /** Alerts firing now (the built-in evaluator's), served at `/api/alerts` and on the live feed. */
  alerts?: FiringAlertsProvider;
  /** Static files served at `/`; defaults to exporter/noc/ when that directory exists. */
  staticDir?: string;
  logger?: Logger;
}

export type WebSocketHandler = (socket: WebSocket, req: IncomingMessage) => void;

export interface ExporterApp {
  /** Express app; mount further routes on it (they run behind the auth seam). */
  app: Express;
  /** Registers a WebSocket endpoint at an exact path, behind the auth seam. */
  webSocket(path: string, handler: WebSocketHandler): void;
  listen(host: string, port: number): Promise<RunningExporter>;
}

export interface RunningExporter {
  server: Server;
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  close(): Promise<void>;
}

const DEFAULT_STATIC_DIR = fileURLToPath(new URL("./noc/", import.meta.url));

export function createExporterApp(options: ExporterOptions): ExporterApp {
  const { provider } = options;
  const authenticate = options.authenticate ?? allowAll;
  const exposition = createExposition(options.extractorOverrides);
  // Render each new snapshot on update, off the scrape path: a scrape writes cached bytes.
  const stopPreparing = provider.subscribe((next) => {
    exposition.prepare(next, Date.now() / 1000).catch((err) => {
      options.logger?.error({ err }, "rendering the exposition of a new snapshot failed");
    });
  });

  const app = express();
  app.disable("x-powered-by");
  // ETags would hash every multi-megabyte scrape body for nothing: scrapers never revalidate.
  app.set("etag", false);
  app.use(authMiddleware(authenticate));

  app.get("/metrics", (req, res) => {
    const format = negotiateFormat(req.get("accept"));
    const encoding = negotiateEncoding(req.get("accept-encoding"));
    const snapshot = exposition.servable(format, provider.current());
    const body = exposition.render(snapshot, Date.now() / 1000, format, encoding);
    res.set({ "Content-Type": CONTENT_TYPES[format], Vary: "Accept, Accept-Encoding" });
    if (encoding === "gzip") res.set("Content-Encoding", "gzip");
    res.send(body);
  });
  app.get("/api/snapshot", (_req, res) => {
    res.json(provider.current());
  });
  const { alerts } = options;
  if (alerts) {
    app.get("/api/alerts", (_req, res) => {
      res.json({ alerts: alerts() });
    });
  }
  app.get("/healthz", (_req, res) => {
    const sources = provider.current().sources;
    res.json({ status: "ok", sources: sources.length, sourcesUp: sources.filter((s) => s.up).length });
  });
  const staticDir = options.staticDir ?? DEFAULT_STATIC_DIR;
  if (existsSync(staticDir)) app.use(express.static(staticDir));

  const live = createLiveFeed(provider, alerts);
  const wsRoutes = new Map<string, WebSocketHandler>([["/live", (socket) => live.accept(socket)]]);
  const wss = new WebSocketServer({ noServer: true });

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const handler = wsRoutes.get(path);
    if (!handler) {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    if (!(await upgradeAllowed(authenticate, req, socket))) return;
    wss.handleUpgrade(req, socket, head, (ws) => handler(ws, req));
  }

  return {
    app,
    webSocket(path, handler) {
      if (wsRoutes.has(path)) throw new Error(`a WebSocket endpoint is already mounted at ${path}`);
      wsRoutes.set(path, handler);
    },
    listen(host, port) {
      const server = createServer(app);
      server.on("upgrade", (req, socket, head) => {
        upgrade(req, socket, head).catch((err) => {
          options.logger?.error({ err }, "WebSocket upgrade failed");
          socket.destroy();
        });
      });
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          const address = server.address();
          const actualPort = typeof address === "object" && address ? address.port : port;
          resolve({
            server,
            url: `http://${host}:${actualPort}`,
            close: () =>
              new Promise<void>((done) => {
                live.close();
                stopPreparing();
                for (const client of wss.clients) client.terminate();
                server.closeAllConnections();
                server.close(() => done());
              }),
          });
        });
      });
    },
  };
}
