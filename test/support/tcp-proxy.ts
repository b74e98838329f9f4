/**
 * Fault-injecting TCP proxy for link tests: forwards to a target and can `pause` (hold bytes, keep
 * connections), `resume`, `cut` (drop every connection and refuse new ones until `restore`),
 * `holdAt` (pause at the first chunk to the target that matches, e.g. a given request of a
 * protocol, so a test acts while that message is in flight, deterministically) and `deliverHeld`
 * (let that message arrive, even after its sender died, with all else still held), counts the bytes
 * it forwarded in each direction and, on request, hands each chunk sent to the target to `tap`
 * (to check what crosses the wire).
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private readonly server: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  private paused = false;
  private refusing = false;
  private hold: { match: (chunk: Buffer) => boolean; forward: boolean; matched: () => void } | null = null;
  /** Chunks to the target read but not forwarded (paused): `resume` sends them first, `cut` drops them. */
  private readonly held = new Map<Socket, Buffer[]>();
  /** Targets whose client closed while traffic was held: kept open until `resume`. */
  private readonly orphans = new Set<Socket>();
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

  /**
   * Pauses (as `pause`) at the first chunk to the target that `match` accepts, which is forwarded
   * first when `forward` (the message arrives, what answers it and follows it is held) and held
   * otherwise (the message is in flight). Resolves once matched.
   */
  holdAt(match: (chunk: Buffer) => boolean, o: { forward: boolean }): Promise<void> {
    return new Promise((matched) => {
      this.hold = { match, forward: o.forward, matched };
    });
  }

  /**
   * Sends the held chunks on to their targets, all else staying held. A target whose client went
   * meanwhile stays connected until `resume`: the chunks reach it as on a live connection.
   */
  deliverHeld(): void {
    for (const [target, chunks] of this.held) for (const c of chunks) target.write(c);
    this.held.clear();
  }

  /** Lets traffic flow again; held chunks reach the target first (even when their sender closed since). */
  resume(): void {
    this.paused = false;
    this.deliverHeld();
    for (const target of this.orphans) target.end();
    this.orphans.clear();
    for (const [a, b] of this.pairs) {
      a.resume();
      b.resume();
    }
  }

  /** Drops every connection and refuses new ones until restore(). */
  cut(): void {
    this.refusing = true;
    this.held.clear();
    for (const target of this.orphans) target.destroy();
    this.orphans.clear();
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
      this.pairs.delete(pair);
      // A client gone while traffic is held: its target hears of it at `resume`, after what was held, as over a stalled WAN.
      if (this.paused && !target.destroyed) this.orphans.add(target);
      else {
        target.destroy();
        this.orphans.delete(target);
        this.held.delete(target);
      }
    };
    client.on("data", (d: Buffer) => {
      this.bytesToTarget += d.length;
      this.tap?.(d);
      const hold = this.hold?.match(d) ? this.hold : null;
      if (hold) {
        this.hold = null;
        if (hold.forward) target.write(d);
        this.pause();
        hold.matched();
        if (hold.forward) return;
      }
      if (this.paused) this.held.set(target, [...(this.held.get(target) ?? []), d]);
      else target.write(d);
    });
    target.on("data", (d: Buffer) => {
      this.bytesFromTarget += d.length;
      client.write(d);
    });
    for (const socket of pair) {
      socket.on("error", end);
      socket.on("close", end);
    }
    if (this.paused) {
      client.pause();
      target.pause();
    }
  }
}
