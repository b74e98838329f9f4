/**
 * Production end of the link: connects to the recovery site, authenticates both ways, resumes
 * each group right after the seq the recovery journal holds durably, ships batches (≤ batchBytes,
 * after ≤ batchMillis of coalescing) through the codec and the token bucket, sends heartbeats, and
 * reconnects with exponential backoff. Resyncs and bookmarks ride on the same connection.
 */
import { parseHostPort } from "../../lib/host-port.ts";
import type { Logger } from "../../lib/log.ts";
import type { LinkConfig } from "../config.ts";
import { divergenceReport } from "../production/divergence.ts";
import type { ProductionGroup } from "../production/production-group.ts";
import type { EngineEvent } from "../status.ts";
import { newNonce, proof, verifyProof } from "./auth.ts";
import { batchFrame, blockFrame, frameLength } from "./batch-frame.ts";
import { type Compression, compressBatch } from "./codec.ts";
import { FramedSocket } from "./framed-socket.ts";
import { type Frame, FrameType, jsonFrame, ProtocolError, parseJson } from "./framing.ts";
import { expectFrame } from "./handshake.ts";
import type { LinkTracker } from "./link-status.ts";
import type {
  AckMsg,
  ChallengeMsg,
  HeartbeatAckMsg,
  HeartbeatMsg,
  RefusedMsg,
  ReplyMsg,
  RequestBody,
  WelcomeMsg,
} from "./messages.ts";
import { LINK_PROTOCOL_VERSION } from "./messages.ts";
import { dialLink, isTlsRefusal, type LinkTls } from "./tls.ts";
import type { TokenBucket } from "./token-bucket.ts";

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5_000;
/** Sent but not yet durable, per group: enough to keep a 1 MiB-batch pipeline full. */
const MAX_IN_FLIGHT_BYTES = 32 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 60_000;
const BOOKMARK_RETRY_MS = 5_000;

/** The link went down before a request was answered (or was down when it was made): ask again once it is up. */
export class LinkLost extends Error {}

/** The recovery site answered a request with an error; `final` when retrying cannot help. */
class RequestRefused extends Error {
  constructor(
    message: string,
    readonly final: boolean,
  ) {
    super(message);
  }
}

export interface ShipperOptions {
  site: string;
  link: LinkConfig;
  psk: string;
  /** Mutual TLS material, or null for plain TCP. */
  tls: LinkTls | null;
  groups: ProductionGroup[];
  bucket: TokenBucket;
  tracker: LinkTracker;
  logger: Logger;
  emit: (e: EngineEvent) => void;
  /** This site listens for a link too, so a group fenced here can be reprotected towards it. */
  canReceive: boolean;
  /** Runs a resync of `group` over the connected session (replication/sync). */
  runResync: (group: ProductionGroup, session: LinkSession) => Promise<void>;
}

/** An authenticated connection, as the resync driver sees it. */
export interface LinkSession {
  request(body: RequestBody): Promise<ReplyMsg>;
  sendBlock(group: string, volume: string, offset: number, data: Buffer): Promise<void>;
  readonly closed: boolean;
}

export class Shipper {
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private current: FramedSocket | null = null;
  private session: ActiveSession | null = null;
  private wake: () => void = () => {};
  private cancelBackoff: () => void = () => {};
  private authenticated = false;
  private readonly log: Logger;

  constructor(private readonly o: ShipperOptions) {
    this.log = o.logger.child({ component: "shipper", peer: o.link.peer });
    for (const g of o.groups) g.onShippable = () => this.wake();
  }

  start(): void {
    this.loop = this.connectLoop();
  }

  /** Ends the link and resolves once the session's work (batches, resyncs, bookmarks) has settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.close("site stopping");
    this.cancelBackoff();
    this.wake();
    await this.loop;
  }

  private async connectLoop(): Promise<void> {
    let backoff = BACKOFF_MIN_MS;
    let attempts = 0;
    while (!this.stopped) {
      this.o.tracker.setState("connecting", attempts === 0 ? "starting" : "reconnecting");
      if (attempts++ > 0) this.o.tracker.reconnectsTotal++;
      this.authenticated = false;
      const reason = await this.connect();
      if (this.stopped) break;
      if (this.authenticated) backoff = BACKOFF_MIN_MS;
      this.o.tracker.setState("down", reason);
      this.log.warn({ reason, retryInMs: backoff }, "link down");
      for (const g of this.o.groups) await g.abortResync(reason);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff);
        this.cancelBackoff = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
    }
    this.o.tracker.setState("down", "site stopping");
  }

  /** One connection from dial to close; resolves with the reason it ended, once its work has settled. */
  private connect(): Promise<string> {
    const { host, port } = parseHostPort(this.o.link.peer!);
    return new Promise((resolve) => {
      let ended = false;
      let work: Promise<void> = Promise.resolve();
      const { socket, ready } = dialLink(this.o.tls, host, port);
      socket.once("error", (err: NodeJS.ErrnoException) => {
        if (!this.o.tls || !isTlsRefusal(err)) return;
        const remote = `${host}:${port}`;
        this.o.tracker.authRefused(remote, `TLS: ${err.message}`);
        this.log.error({ remote, err: err.message }, "auth refused: TLS handshake with the recovery site failed");
      });
      const link = new FramedSocket(
        socket,
        this.log,
        () => {},
        (reason) => {
          ended = true;
          void work.then(() => resolve(reason));
        },
      );
      this.current = link;
      socket.once(ready, () => {
        work = this.run(link).catch((err: Error) => {
          if (!ended) link.close(err instanceof ProtocolError ? `protocol error: ${err.message}` : err.message);
        });
      });
    });
  }

  private async run(link: FramedSocket): Promise<void> {
    const { o } = this;
    const nonce = newNonce();
    await link.send(
      jsonFrame(FrameType.hello, {
        site: o.site,
        version: LINK_PROTOCOL_VERSION,
        nonce,
        groups: o.groups.map((g) => g.name),
      }),
    );
    const challenge = await expectFrame<ChallengeMsg>(link, [FrameType.challenge, FrameType.refused]);
    const remote = `${link.socket.remoteAddress}:${link.socket.remotePort}`;
    const refusedBy = (msg: unknown) => {
      const reason = (msg as RefusedMsg).reason;
      o.tracker.authRefused(remote, `recovery site refused us: ${reason}`);
      this.log.error({ remote, reason }, "refused by recovery site");
      return new Error(`refused by recovery site: ${reason}`);
    };
    if (challenge.type === FrameType.refused) throw refusedBy(challenge.msg);
    if (!verifyProof(o.psk, "recovery", challenge.msg.nonce, nonce, challenge.msg.proof)) {
      o.tracker.authRefused(remote, "recovery site failed to prove the pre-shared key");
      this.log.error({ remote }, "auth refused: recovery site proof is wrong");
      await link.refuse("authentication failed");
      throw new Error("recovery site failed authentication");
    }
    o.tracker.peerSite = String(challenge.msg.site);
    await link.send(jsonFrame(FrameType.proof, { proof: proof(o.psk, "production", nonce, challenge.msg.nonce) }));
    const welcome = await expectFrame<WelcomeMsg>(link, [FrameType.welcome, FrameType.refused]);
    if (welcome.type === FrameType.refused) throw refusedBy(welcome.msg);
    link.authenticated(o.tracker);
    for (const g of o.groups) {
      const pos = welcome.msg.groups?.[g.name];
      if (!pos) throw new ProtocolError(`recovery site does not know group ${g.name}`);
      if (pos.failedOverTo) {
        await g.fence(String(pos.failedOverTo));
        continue;
      }
      if (pos.takeBack && g.fenced?.toSite === o.tracker.peerSite) await g.takeBack();
      g.matchPeerVolumes(pos.volumes ?? {});
      g.resumeFrom(Number(pos.durableSeq), Number(pos.appliedSeq), pos.resyncing === true);
    }
    const session = new ActiveSession(link, o, this.log);
    this.session = session;
    link.setHandler((f) => session.onFrame(f));
    o.tracker.contact();
    this.authenticated = true;
    o.tracker.setState("up", "authenticated");
    this.log.info({ peerSite: o.tracker.peerSite }, "link up");
    this.wake = () => session.wake();
    try {
      await session.pump();
    } finally {
      this.wake = () => {};
      if (this.session === session) this.session = null;
    }
  }

  /** A request on the authenticated connection (a failback); refused while the link is down. */
  request(body: RequestBody): Promise<ReplyMsg> {
    if (!this.session || this.session.closed)
      return Promise.reject(new LinkLost("the link to the recovery site is down"));
    return this.session.request(body);
  }
}

/** The steady state of an authenticated connection: batches out, acks and heartbeats in. */
class ActiveSession implements LinkSession {
  private nextId = 1;
  /** Answers awaited, by request id; null when the link closed first. */
  private readonly requests = new Map<number, (r: ReplyMsg | null) => void>();
  private wakeUp: (() => void) | null = null;
  private lastHeard = performance.now();
  private readonly resyncing = new Set<string>();
  private readonly bookmarking = new Set<string>();
  private readonly bookmarkRetryAt = new Map<string, number>();
  /** Fenced groups whose divergence report went (or is going) out on this connection. */
  private readonly reported = new Set<string>();
  /** Resyncs and bookmark deliveries running beside the pump; the session ends once they settle. */
  private readonly work = new Set<Promise<void>>();

  constructor(
    private readonly link: FramedSocket,
    private readonly o: ShipperOptions,
    private readonly log: Logger,
  ) {}

  get closed(): boolean {
    return this.link.closed;
  }

  wake(): void {
    this.wakeUp?.();
  }

  async pump(): Promise<void> {
    const { o } = this;
    const heartbeatMs = o.link.heartbeatInterval * 1000;
    const timer = setInterval(() => this.heartbeat(heartbeatMs), heartbeatMs);
    try {
      this.heartbeat(heartbeatMs);
      while (!this.link.closed) {
        let sent = false;
        for (const g of o.groups) {
          this.maybeResync(g);
          this.deliverBookmarks(g);
          this.reportDivergence(g);
          if (!g.shipping) continue;
          if (g.inFlightBytes() >= MAX_IN_FLIGHT_BYTES) continue;
          const records = g.takeBatch(g.sentSeq, o.link.batchBytes);
          if (records.length === 0) continue;
          await this.sendBatch(g, records);
          sent = true;
        }
        if (!sent) {
          await new Promise<void>((resolve) => {
            this.wakeUp = resolve;
            setTimeout(resolve, 100);
          });
          this.wakeUp = null;
          // Coalesce: give a burst of client writes batchMillis to fill the batch.
          await sleep(o.link.batchMillis);
        }
      }
    } finally {
      clearInterval(timer);
      for (const answer of this.requests.values()) answer(null);
      this.requests.clear();
      while (this.work.size > 0) await Promise.allSettled([...this.work]);
    }
    throw new Error("authenticated session ended");
  }

  private async sendBatch(g: ProductionGroup, records: ReturnType<ProductionGroup["takeBatch"]>): Promise<void> {
    const raw = await g.readBatch(records);
    const rawLength = records.reduce((n, r) => n + r.bytes, 0);
    const codec: Compression = g.config.compression ?? this.o.link.compression;
    const packed = await compressBatch(raw, codec);
    const frame = batchFrame(
      {
        group: g.name,
        codec: packed.code,
        rawLength,
        firstSeq: records[0]!.seq,
        lastSeq: records.at(-1)!.seq,
      },
      packed.data,
    );
    const wireBytes = frameLength(frame);
    await this.o.bucket.take(wireBytes);
    if (this.link.closed) return;
    g.sentSeq = records.at(-1)!.seq;
    this.o.tracker.countRaw(rawLength);
    await this.link.send(frame);
  }

  private heartbeat(intervalMs: number): void {
    if (performance.now() - this.lastHeard > intervalMs * 5) {
      this.link.close(`peer silent for ${Math.round((performance.now() - this.lastHeard) / 1000)} s`);
      return;
    }
    const rpoNow = Date.now() / 1000;
    const msg: HeartbeatMsg = {
      sentAt: rpoNow,
      groups: this.o.groups.map((g) => ({
        name: g.name,
        headSeq: g.headSeq,
        headTs: g.headTs,
        rpoSeconds: g.rpo(rpoNow).group,
      })),
    };
    this.link.send(jsonFrame(FrameType.heartbeat, msg)).catch(() => {});
  }

  onFrame(frame: Frame): void {
    this.lastHeard = performance.now();
    this.o.tracker.contact();
    switch (frame.type) {
      case FrameType.ack:
        this.applyAck(parseJson<AckMsg>(frame));
        break;
      case FrameType.heartbeatAck: {
        const msg = parseJson<HeartbeatAckMsg>(frame);
        this.o.tracker.rttSeconds = Math.max(0, Date.now() / 1000 - Number(msg.sentAt));
        for (const a of msg.acks ?? []) this.applyAck(a);
        break;
      }
      case FrameType.reply: {
        const msg = parseJson<ReplyMsg>(frame);
        this.requests.get(msg.id)?.(msg);
        this.requests.delete(msg.id);
        break;
      }
      default:
        throw new ProtocolError(`unexpected frame type ${frame.type} from recovery site`);
    }
  }

  private applyAck(a: AckMsg): void {
    const g = this.o.groups.find((x) => x.name === a.group);
    if (!g) throw new ProtocolError(`ack for unknown group ${a.group}`);
    if (a.failedOverTo) {
      g.fence(String(a.failedOverTo)).catch((err: Error) =>
        this.log.error({ group: g.name, err: err.message }, "cannot fence a failed-over group"),
      );
      return;
    }
    g.setRemoteFault(a.fault ? `recovery site: ${a.fault}` : null);
    g.acknowledge(Number(a.durableSeq), Number(a.appliedSeq));
    this.wake();
  }

  request(body: RequestBody): Promise<ReplyMsg> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.requests.delete(id);
        reject(new Error(`request ${body.op} timed out`));
      }, REQUEST_TIMEOUT_MS);
      this.requests.set(id, (reply) => {
        clearTimeout(timer);
        if (!reply) reject(new LinkLost(`${body.op}: the link closed before the answer`));
        else if (reply.error) reject(new RequestRefused(`${body.op}: ${reply.error}`, reply.final === true));
        else resolve(reply);
      });
      this.link.send(jsonFrame(FrameType.request, { ...body, id })).catch((err: Error) => {
        this.requests.delete(id);
        clearTimeout(timer);
        reject(new LinkLost(`${body.op}: ${err.message}`));
      });
    });
  }

  async sendBlock(group: string, volume: string, offset: number, data: Buffer): Promise<void> {
    const frame = blockFrame({ group, volume, offset }, data);
    await this.o.bucket.take(frameLength(frame));
    this.o.tracker.countRaw(data.length);
    await this.link.send(frame);
  }

  private maybeResync(g: ProductionGroup): void {
    if (this.resyncing.has(g.name) || !g.nextResync()) return;
    this.resyncing.add(g.name);
    const run = this.o
      .runResync(g, this)
      .catch(async (err: Error) => {
        this.log.warn({ group: g.name, err: err.message }, "resync interrupted");
        await g.abortResync(err.message);
      })
      .finally(() => {
        this.resyncing.delete(g.name);
        this.wake();
      });
    this.track(run);
  }

  /**
   * Once per connection, a fenced group tells the site it failed over to what it holds beyond that
   * site's journal (production/divergence.ts): reprotect needs it. A failed delivery is retried on
   * the next connection.
   */
  private reportDivergence(g: ProductionGroup): void {
    if (!g.fenced || this.reported.has(g.name)) return;
    this.reported.add(g.name);
    const report = divergenceReport(this.o.site, g, this.o.canReceive);
    this.track(
      this.request({ op: "divergence", group: g.name, report }).then(
        () => this.log.info({ group: g.name }, "divergence since the failover reported"),
        (err: Error) => this.log.warn({ group: g.name, err: err.message }, "divergence report not stored"),
      ),
    );
  }

  private track(work: Promise<void>): void {
    this.work.add(work);
    void work.finally(() => this.work.delete(work));
  }

  /**
   * Sends each pending bookmark once the journal holds its seq. A refusal that waiting cannot
   * change drops the bookmark (logged); any other failure is retried after BOOKMARK_RETRY_MS,
   * not on every wake of the pump.
   */
  private deliverBookmarks(g: ProductionGroup): void {
    const now = performance.now();
    for (const b of g.pendingBookmarks) {
      const key = `${g.name}/${b.name}`;
      if (b.seq > g.durableSeq || this.bookmarking.has(key) || (this.bookmarkRetryAt.get(key) ?? 0) > now) continue;
      this.bookmarking.add(key);
      const delivery = this.request({ op: "bookmark", group: g.name, bookmark: b })
        .then(() => {
          this.bookmarkRetryAt.delete(key);
          g.bookmarkStored(b);
          this.o.emit({ type: "bookmark", group: g.name, bookmark: b });
        })
        .catch((err: Error) => {
          if (err instanceof RequestRefused && err.final) {
            this.bookmarkRetryAt.delete(key);
            g.bookmarkDropped(b, err.message);
            return;
          }
          this.bookmarkRetryAt.set(key, performance.now() + BOOKMARK_RETRY_MS);
          this.log.warn({ group: g.name, bookmark: b.name, err: err.message }, "bookmark not stored; will retry");
        })
        .finally(() => this.bookmarking.delete(key));
      this.track(delivery);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
