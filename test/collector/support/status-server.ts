/**
 * A real HTTP + WebSocket server speaking the engine's status contract (GET /status, WS /stream
 * with a snapshot on connect and every second after) from a SiteStatus the test controls, for adapter behaviour the real engine cannot be made to
 * show on demand (a stream that dies while /status still answers). Not a mock: real sockets.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { SiteStatus, StreamMessage } from "../../../replication/status.ts";

export interface StatusServer {
  url: string;
  status: SiteStatus;
  /**
   * Sends `status` (the current one by default) to every stream client, and every second from then
   * on, as the engine repeats its snapshot; GET /status is unchanged.
   */
  push(status?: SiteStatus): void;
  /** Refuse (true) or accept stream connections. */
  refuseStream: boolean;
  /** Answer GET /status with 503 (true) or with the status. */
  failStatus: boolean;
  streamClients(): number;
  dropStreams(): void;
  statusRequests: number;
  close(): Promise<void>;
}

export async function startStatusServer(initial: SiteStatus): Promise<StatusServer> {
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => {
    if (req.url === "/status") {
      self.statusRequests++;
      if (self.failStatus) res.writeHead(503).end();
      else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(self.status));
    } else res.writeHead(404).end();
  });
  server.on("upgrade", (req, socket, head) => {
    if (req.url !== "/stream" || self.refuseStream) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      streamed = undefined;
      ws.send(frame(self.status));
    });
  });
  const frame = (status: SiteStatus) => JSON.stringify({ type: "snapshot", status } satisfies StreamMessage);
  /** What the stream last pushed, repeated by the heartbeat; the current status when nothing was. */
  let streamed: SiteStatus | undefined;
  const heartbeat = setInterval(() => {
    for (const client of wss.clients) client.send(frame(streamed ?? self.status));
  }, 1000);
  heartbeat.unref();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const self: StatusServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    status: initial,
    refuseStream: false,
    failStatus: false,
    statusRequests: 0,
    push(status = self.status) {
      streamed = status;
      for (const client of wss.clients) client.send(frame(status));
    },
    streamClients: () => wss.clients.size,
    dropStreams() {
      for (const client of wss.clients) client.terminate();
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return self;
}
