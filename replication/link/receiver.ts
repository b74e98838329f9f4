/**
 * Recovery end of the link: accepts the production site, authenticates both ways (a wrong key or
 * a stranger is refused, counted, logged and reported as an event), tells it where each journal
 * stands, then appends batches to the journals and acknowledges what is durable. Garbage, gaps or
 * corrupt records end the connection with a log line; the production site resumes after durableSeq.
 */
import type { Server, Socket } from "node:net";
import type { Logger } from "../../lib/log.ts";
import type { DivergenceReport } from "../production/divergence.ts";
import { decodeAll, RecordFormatError } from "../production/record-codec.ts";
import { newNonce, proof, verifyProof } from "./auth.ts";
import { type BatchHeader, type BlockHeader, parseBinary } from "./batch-frame.ts";
import { decompressBatch } from "./codec.ts";
import { FramedSocket } from "./framed-socket.ts";
import { type Frame, FrameType, jsonFrame, ProtocolError, parseJson } from "./framing.ts";
import { expectFrame } from "./handshake.ts";
import { JournalCommitter } from "./journal-committer.ts";
import type { LinkTracker } from "./link-status.ts";
import {
  type AckMsg,
  type HeartbeatMsg,
  type HelloMsg,
  LINK_PROTOCOL_VERSION,
  type ProofMsg,
  type ReplyMsg,
  type RequestMsg,
  type WelcomeMsg,
} from "./messages.ts";
import type { RecoveryGroupPort } from "./recovery-port.ts";
import { type LinkTls, linkServer } from "./tls.ts";

export interface ReceiverOptions {
  site: string;
  psk: string;
  /** Mutual TLS material, or null for plain TCP. */
  tls: LinkTls | null;
  groups: Map<string, RecoveryGroupPort>;
  tracker: LinkTracker;
  logger: Logger;
  /** True once a group failed over to this site: its batches are dropped and its acks fence the sender. */
  failedOver: (group: string) => boolean;
  /** The group's promotion here was discarded: its old production site, fenced for it, takes it back. */
  takeBack?: (group: string) => boolean;
  /** Keeps what a fenced group's old production site reports it holds beyond the journal. */
  divergence: (group: string, report: DivergenceReport) => Promise<void>;
  /**
   * A peer named groups this site does not receive: when they are groups it fenced here after a
   * failover to that peer, the site takes them as recovery groups (reprotect) and resolves true;
   * the connection is refused either way and the peer retries.
   */
  reverse?: (peerSite: string, groups: string[]) => Promise<boolean>;
  /** Planned failback asked by the group's production site, everything durable here: fail over to this site. */
  failback?: (group: string, fromSite: string) => Promise<void>;
}

/** What the last heartbeat said about a group, for the recovery site's RPO upper bound. */
export interface PeerView {
  headSeq: number;
  rpoSeconds: number;
  /** Local time the view was received. */
  at: number;
}

export class Receiver {
  private readonly server: Server;
  private active: FramedSocket | null = null;
  private readonly sockets = new Set<Socket>();
  /** Each authenticated connection's committers, by group. */
  private readonly sessions = new Set<Map<string, JournalCommitter>>();
  readonly peer = new Map<string, PeerView>();
  private readonly log: Logger;

  constructor(private readonly o: ReceiverOptions) {
    this.log = o.logger.child({ component: "receiver" });
    this.server = linkServer(
      o.tls,
      (socket, untrusted) => this.accept(socket, untrusted),
      (remote, reason) => {
        o.tracker.authRefused(remote, reason);
        this.log.error({ remote, reason }, "auth refused: TLS");
      },
    );
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        const a = this.server.address();
        this.log.info({ host, port: typeof a === "object" && a ? a.port : port }, "link listening");
        resolve(typeof a === "object" && a ? a.port : port);
      });
    });
  }

  /** Resolves once no batch of `group` is being appended: after failedOver(group) turns true, none will be. */
  async settle(group: string): Promise<void> {
    await Promise.all([...this.sessions].map((commits) => commits.get(group)?.idle()));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket, untrusted: string | null): void {
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    const link = new FramedSocket(
      socket,
      this.log,
      () => {},
      (reason) => {
        if (this.active === link) {
          this.active = null;
          this.o.tracker.setState("down", reason);
        }
        const level = reason.startsWith("protocol error") ? "warn" : "info";
        this.log[level]({ remote, reason }, "link connection closed");
      },
    );
    if (untrusted) {
      this.o.tracker.authRefused(remote, untrusted);
      this.log.error({ remote, reason: untrusted }, "auth refused: TLS");
      void link.refuse(untrusted);
      return;
    }
    this.handshake(link, remote).catch((err: Error) => link.close(`protocol error: ${err.message}`));
  }

  private async handshake(link: FramedSocket, remote: string): Promise<void> {
    const { o } = this;
    const hello = (await expectFrame<HelloMsg>(link, [FrameType.hello])).msg;
    if (hello.version !== LINK_PROTOCOL_VERSION || typeof hello.nonce !== "string")
      throw new ProtocolError(`unsupported hello (version ${hello.version})`);
    const nonce = newNonce();
    await link.send(
      jsonFrame(FrameType.challenge, { site: o.site, nonce, proof: proof(o.psk, "recovery", nonce, hello.nonce) }),
    );
    const answer = await expectFrame<ProofMsg>(link, [FrameType.proof, FrameType.refused]);
    if (answer.type === FrameType.refused) {
      o.tracker.authRefused(remote, "production site rejected our proof (different key?)");
      this.log.error({ remote }, "auth refused by production site");
      link.close("refused by peer");
      return;
    }
    if (!verifyProof(o.psk, "production", hello.nonce, nonce, answer.msg.proof)) {
      o.tracker.authRefused(remote, "wrong pre-shared key proof");
      this.log.error({ remote, site: String(hello.site) }, "auth refused: wrong pre-shared key");
      await link.refuse("authentication failed");
      return;
    }
    const named = (Array.isArray(hello.groups) ? hello.groups : []).map(String);
    const unknown = named.filter((g) => !o.groups.has(g));
    if (unknown.length > 0) {
      const reversing = (await o.reverse?.(String(hello.site), unknown)) === true;
      await link.refuse(
        reversing
          ? `groups ${unknown.join(", ")} are being reprotected towards site ${o.site}: reconnect`
          : `unknown groups: ${unknown.join(", ")}`,
      );
      return;
    }
    // A journal takes one production site's sequence space: a second site (a cloned config, a
    // renamed host) would interleave its writes with the first one's. Refused until released. All
    // groups are checked, not only those the hello names: a session may send to any of them.
    const site = String(hello.site);
    const all = [...o.groups.keys()];
    const foreign = all.filter((g) => (o.groups.get(g)!.sourceSite ?? site) !== site);
    if (foreign.length > 0) {
      const reason = foreign
        .map((g) => `group ${g} replicates from site ${o.groups.get(g)!.sourceSite}, not ${site}`)
        .join("; ");
      o.tracker.authRefused(remote, reason);
      this.log.error({ remote, reason }, "production site refused");
      await link.refuse(`${reason} (DELETE /groups/<group>/source on the recovery site releases a group)`);
      return;
    }
    for (const g of all) if (o.groups.get(g)!.sourceSite === null) await o.groups.get(g)!.setSourceSite(site);
    // One production site feeds a recovery site; a newer authenticated connection replaces an old one.
    this.active?.close("replaced by a new connection");
    this.active = link;
    link.authenticated(o.tracker);
    o.tracker.peerSite = String(hello.site);
    const welcome: WelcomeMsg = { groups: {} };
    for (const [name, g] of o.groups)
      welcome.groups[name] = {
        durableSeq: g.durableSeq,
        appliedSeq: g.appliedSeq,
        resyncing: g.resyncing,
        volumes: g.volumeSizes,
        ...(o.failedOver(name) && { failedOverTo: o.site }),
        ...(o.takeBack?.(name) && { takeBack: true }),
      };
    const commits = new Map([...o.groups].map(([name, g]) => [name, new JournalCommitter(g)]));
    this.sessions.add(commits);
    link.socket.once("close", () => this.sessions.delete(commits));
    link.setHandler((f) => this.onFrame(link, commits, f));
    await link.send(jsonFrame(FrameType.welcome, welcome));
    o.tracker.contact();
    o.tracker.setState("up", `production site ${hello.site} authenticated`);
  }

  private async onFrame(link: FramedSocket, commits: Map<string, JournalCommitter>, frame: Frame): Promise<void> {
    this.o.tracker.contact();
    switch (frame.type) {
      case FrameType.batch:
        return this.onBatch(link, commits, frame.payload);
      case FrameType.heartbeat:
        return this.onHeartbeat(link, parseJson<HeartbeatMsg>(frame));
      case FrameType.request:
        // Requests (resync control, bookmarks) act on what every earlier batch appended.
        await Promise.all([...commits.values()].map((c) => c.idle()));
        return this.onRequest(link, parseJson<RequestMsg>(frame));
      case FrameType.resyncBlock: {
        const { header, data } = parseBinary<BlockHeader>(frame.payload);
        await this.group(header.group).writeResyncBlock(String(header.volume), Number(header.offset), data);
        this.o.tracker.countRaw(data.length);
        return;
      }
      default:
        throw new ProtocolError(`unexpected frame type ${frame.type}`);
    }
  }

  private async onBatch(link: FramedSocket, commits: Map<string, JournalCommitter>, payload: Buffer): Promise<void> {
    const { header, data } = parseBinary<BatchHeader>(payload);
    const g = this.group(header.group);
    const committer = commits.get(String(header.group))!;
    const raw = await decompressBatch(Number(header.codec), data, Number(header.rawLength));
    let records: ReturnType<typeof decodeAll>;
    try {
      records = decodeAll(raw);
    } catch (err) {
      if (err instanceof RecordFormatError) throw new ProtocolError(`corrupt batch: ${err.message}`);
      throw err;
    }
    records.forEach((r, i) => {
      if (r.seq !== header.firstSeq + i) throw new ProtocolError(`batch seq ${r.seq} out of order`);
    });
    if (records.length === 0 || header.firstSeq > committer.nextSeq)
      throw new ProtocolError(`batch starts at seq ${header.firstSeq}, expected at most ${committer.nextSeq}`);
    // Writes the old production site took after a failover are not the group's any more. Checked
    // right before the commit, with no await between, so settle() covers every batch let through.
    if (this.o.failedOver(String(header.group))) return;
    committer.nextSeq = Math.max(committer.nextSeq, records.at(-1)!.seq + 1);
    this.o.tracker.countRaw(raw.length);
    // Not awaited: the next batch may join this one's journal commit; the ack follows durability.
    committer
      .add(records)
      .then(() => link.send(jsonFrame(FrameType.ack, this.ack(String(header.group), g))))
      .catch((err: Error) => link.close(`journal append failed: ${err.message}`));
  }

  private async onHeartbeat(link: FramedSocket, msg: HeartbeatMsg): Promise<void> {
    const at = Date.now() / 1000;
    for (const h of Array.isArray(msg.groups) ? msg.groups : []) {
      if (!this.o.groups.has(h.name)) continue;
      this.peer.set(h.name, {
        headSeq: Number(h.headSeq),
        rpoSeconds: Number(h.rpoSeconds),
        at,
      });
    }
    const acks = [...this.o.groups].map(([name, g]) => this.ack(name, g));
    await link.send(jsonFrame(FrameType.heartbeatAck, { sentAt: msg.sentAt, acks }));
  }

  private async onRequest(link: FramedSocket, req: RequestMsg): Promise<void> {
    const reply: ReplyMsg = { id: Number(req.id) };
    try {
      const g = this.group(req.group);
      if (req.op === "divergence") await this.o.divergence(String(req.group), req.report);
      else if (req.op === "failback") {
        if (!this.o.failback) throw new RangeError("this site does not take failbacks");
        await this.o.failback(String(req.group), g.sourceSite ?? "");
      } else if (this.o.failedOver(String(req.group)))
        throw new RangeError(`group ${String(req.group)} failed over to site ${this.o.site}`);
      switch (req.op) {
        case "checksums": {
          const sums = await g.blockChecksums(req.volume, req.offset, req.length, req.blockSize);
          reply.checksums = sums.map((s) => s.toString("hex"));
          break;
        }
        case "resync-begin":
          await g.beginResync();
          break;
        case "resync-end":
          await g.endResync(Number(req.atSeq), Number(req.timestamp));
          break;
        case "bookmark":
          await g.addBookmark(req.bookmark);
          break;
        case "divergence":
        case "failback":
          break;
        default:
          throw new ProtocolError(`unknown request ${(req as { op: string }).op}`);
      }
      reply.position = { durableSeq: g.durableSeq, appliedSeq: g.appliedSeq };
    } catch (err) {
      if (err instanceof ProtocolError) throw err;
      reply.error = (err as Error).message;
      // The journal throws RangeError for what lies outside what it holds, which waiting cannot change.
      if (err instanceof RangeError) reply.final = true;
      this.log.warn({ op: req.op, group: req.group, err: reply.error }, "link request failed");
    }
    await link.send(jsonFrame(FrameType.reply, reply));
  }

  private ack(name: string, g: RecoveryGroupPort): AckMsg {
    return {
      group: name,
      durableSeq: g.durableSeq,
      appliedSeq: g.appliedSeq,
      fault: g.fault,
      ...(this.o.failedOver(name) && { failedOverTo: this.o.site }),
    };
  }

  private group(name: unknown): RecoveryGroupPort {
    const g = this.o.groups.get(String(name));
    if (!g) throw new ProtocolError(`unknown group ${String(name)}`);
    return g;
  }
}
