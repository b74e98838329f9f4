/**
 * NBD server (fixed newstyle only) serving named exports over TCP. Each export is an
 * `NbdExportBackend` (backend.ts); the engine implements one to capture writes, tests use the file backend.
 * See docs/nbd.md for what is supported; the protocol work per connection is in connection.ts.
 */
import { createServer, type Server, type Socket } from "node:net";
import type { Logger } from "../../lib/log.ts";
import type { NbdExportBackend } from "./backend.ts";
import { BufferPool } from "./buffer-pool.ts";
import { ConnectionClosedError } from "./byte-reader.ts";
import { Connection, type ConnectionContext, ProtocolError } from "./connection.ts";
import type { NbdServerCounters } from "./counters.ts";

export interface NbdServerOptions {
  lookup: (name: string) => NbdExportBackend | undefined;
  list: () => string[];
  logger: Logger;
  /** Largest READ/WRITE payload accepted; default 32 MiB (also the advertised maximum block size). */
  maxRequestBytes?: number;
  /** Payload bytes a connection may have in flight before it stops reading requests; default 64 MiB. */
  maxInFlightBytes?: number;
  /** A client must finish option haggling within this time; default 30 s. */
  handshakeTimeoutMs?: number;
}

export class NbdServer {
  private readonly server: Server;
  private readonly connections = new Map<Socket, Connection>();
  private readonly context: ConnectionContext;
  private readonly log: Logger;
  private readonly stats: NbdServerCounters = {
    connectionsTotal: 0,
    connectionsActive: 0,
    protocolErrorsTotal: 0,
    requestsTotal: 0,
    requestErrorsTotal: 0,
    bytesRead: 0,
    bytesWritten: 0,
  };

  constructor(options: NbdServerOptions) {
    const maxRequestBytes = options.maxRequestBytes ?? 32 * 1024 * 1024;
    const maxInFlightBytes = Math.max(options.maxInFlightBytes ?? 64 * 1024 * 1024, maxRequestBytes);
    this.context = {
      lookup: options.lookup,
      list: options.list,
      maxRequestBytes,
      maxInFlightBytes,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 30_000,
      buffers: new BufferPool(maxInFlightBytes),
      stats: this.stats,
    };
    this.log = options.logger.child({ component: "nbd-server" });
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        this.server.on("error", (err) => this.log.error({ err }, "NBD server error"));
        const address = this.server.address();
        const bound = typeof address === "object" && address ? address.port : port;
        this.log.info({ host, port: bound }, "NBD server listening");
        resolve({ host, port: bound });
      });
    });
  }

  /**
   * Stops accepting and drops every connection. Resolves once backend calls already started have
   * settled (their replies are lost), so a backend can be closed safely afterwards.
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
    const connections = [...this.connections.entries()];
    for (const [socket] of connections) socket.destroy();
    await Promise.all(connections.map(([, c]) => c.settled()));
    await closed;
  }

  counters(): NbdServerCounters {
    return { ...this.stats };
  }

  private accept(socket: Socket): void {
    const log = this.log.child({ remote: `${socket.remoteAddress}:${socket.remotePort}` });
    const connection = new Connection(this.context, socket, log);
    this.connections.set(socket, connection);
    this.stats.connectionsTotal++;
    this.stats.connectionsActive++;
    socket.setNoDelay(true);
    socket.once("close", () => {
      this.connections.delete(socket);
      this.stats.connectionsActive--;
      log.debug("connection closed");
    });
    connection.run().catch((err: Error) => {
      if (err instanceof ProtocolError) {
        this.stats.protocolErrorsTotal++;
        log.warn({ reason: err.message }, "NBD protocol error, disconnecting");
      } else if (!(err instanceof ConnectionClosedError)) {
        log.error({ err }, "NBD connection failed");
      }
      socket.destroy();
    });
  }
}
