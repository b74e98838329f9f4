/**
 * NBD server (fixed newstyle only) serving named exports over TCP, a Unix domain socket, or both
 * (one listener each, one set of exports). Each export is an
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
import { clearUnixSocketPath } from "./unix-socket.ts";

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
  private readonly listeners: Server[] = [];
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
  }

  /** Listens on TCP; may be called along with `listenUnix` (each adds a listener). */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    const server = await this.bind((s, done) => s.listen(port, host, done));
    const address = server.address();
    const bound = typeof address === "object" && address ? address.port : port;
    this.log.info({ host, port: bound }, "NBD server listening");
    return { host, port: bound };
  }

  /**
   * Listens on a Unix domain socket at `path`, where a local client skips the TCP stack
   * (`nbd+unix:///<export>?socket=<path>`). A socket file left by a process that died is replaced;
   * one that a live process listens on, or any other file there, is refused, naming the path
   * (unix-socket.ts). The socket file goes at `close`.
   */
  async listenUnix(path: string): Promise<void> {
    await clearUnixSocketPath(path);
    await this.bind((s, done) => s.listen(path, done));
    this.log.info({ socket: path }, "NBD server listening");
  }

  private bind(listen: (s: Server, done: () => void) => void): Promise<Server> {
    const server = createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      listen(server, () => {
        server.off("error", reject);
        server.on("error", (err) => this.log.error({ err }, "NBD server error"));
        this.listeners.push(server);
        resolve(server);
      });
    });
  }

  /**
   * Stops accepting and drops every connection. Resolves once backend calls already started have
   * settled (their replies are lost), so a backend can be closed safely afterwards.
   */
  async close(): Promise<void> {
    const closed = Promise.all(
      this.listeners.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    const connections = [...this.connections.entries()];
    for (const [socket] of connections) socket.destroy();
    await Promise.all(connections.map(([, c]) => c.settled()));
    await closed;
  }

  counters(): NbdServerCounters {
    return { ...this.stats };
  }

  private accept(socket: Socket): void {
    // A Unix socket's peer has no address.
    const log = this.log.child({
      remote: socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : "unix",
    });
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
