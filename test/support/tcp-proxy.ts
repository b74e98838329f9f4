/**
 * Fault-injecting TCP proxy for link tests: forwards to a target and can `pause` (hold bytes, keep
 * connections), `resume`, `cut` (drop every connection and refuse new ones until `restore`),
 * counts the bytes it forwarded in each direction and, on request, hands each chunk sent to the
 * target to `tap` (to check what crosses the wire).
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private paused = false;
  private refusing = false;
  bytesToTarget = 0;
  bytesFromTarget = 0;
  connectionsTotal = 0;
  tap: ((chunk: Buffer) => void) | null = null;

  constructor(
    private readonly targetHost: string,
    /** Unknown (0) until the target has bound its port: see retarget. */
    private targetPort = 0,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  /** Forwards new connections to `port` (a target that bound a free port once it started). */
  retarget(port: number): void {
    this.targetPort = port;
  }

  listen(port = 0, host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const a = this.server.address();
        resolve(typeof a === "object" && a ? a.port : port);
      });
    });
  }

  /** Holds traffic in both directions; connections stay open (a stalled WAN). */
  pause(): void {
    this.paused = true;
    for (const [a, b] of this.pairs) {
      a.pause();
      b.pause();
    }
  }

  resume(): void {
    this.paused = false;
    for (const [a, b] of this.pairs) {
      a.resume();
      b.resume();
    }
  }

  /** Drops every connection and refuses new ones until restore(). */
  cut(): void {
    this.refusing = true;
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  restore(): void {
    this.refusing = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    this.connectionsTotal++;
    const target = connect({ host: this.targetHost, port: this.targetPort });
    const pair: [Socket, Socket] = [client, target];
    this.pairs.add(pair);
    const end = () => {
      client.destroy();
      target.destroy();
      this.pairs.delete(pair);
    };
    client.on("data", (d: Buffer) => {
      this.bytesToTarget += d.length;
      this.tap?.(d);
      target.write(d);
    });
    target.on("data", (d: Buffer) => {
      this.bytesFromTarget += d.length;
      client.write(d);
    });
    for (const s of pair) {
      s.on("error", end);
      s.on("close", end);
    }
    if (this.paused) {
      client.pause();
      target.pause();
    }
  }
}
