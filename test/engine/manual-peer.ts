/** A hand-driven production-side link connection for tests of the recovery site's receiver. */
import { connect, type Socket } from "node:net";
import { expect } from "vitest";
import { newNonce, proof } from "../../replication/link/auth.ts";
import { encodeFrame, type Frame, FrameReader, FrameType, MAX_FRAME_BYTES } from "../../replication/link/framing.ts";
import {
  type ChallengeMsg,
  LINK_PROTOCOL_VERSION,
  type ReplyMsg,
  type RequestBody,
  type WelcomeMsg,
} from "../../replication/link/messages.ts";
import { waitFor } from "../support/process.ts";
import { PSK } from "./harness.ts";

/** A link connection driven by hand from a test: a production site that says exactly what the test wants. */
export class ManualPeer {
  private readonly reader = new FrameReader(MAX_FRAME_BYTES);
  private readonly frames: Frame[] = [];
  closed = false;
  private requests = 0;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.frames.push(...this.reader.push(chunk)));
    socket.on("close", () => {
      this.closed = true;
    });
    socket.on("error", () => {});
  }

  /** Hello (as `site`, naming `groups`) and proof with the test key; returns the frame the recovery site answers the proof with. */
  static async handshake(port: number, site: string, groups: string[]): Promise<{ peer: ManualPeer; answer: Frame }> {
    const socket = connect(port, "127.0.0.1");
    socket.setNoDelay(true);
    await new Promise((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    const peer = new ManualPeer(socket);
    const nonce = newNonce();
    peer.sendJson(FrameType.hello, { site, version: LINK_PROTOCOL_VERSION, nonce, groups });
    const challenge = JSON.parse((await peer.next()).payload.toString("utf8")) as ChallengeMsg;
    peer.sendJson(FrameType.proof, { proof: proof(PSK, "production", nonce, challenge.nonce) });
    return { peer, answer: await peer.next() };
  }

  /** A session as site "fuzzer" for group g1, with the journal's durable seq from the welcome. */
  static async authenticated(port: number): Promise<{ peer: ManualPeer; durableSeq: number }> {
    const { peer, answer } = await ManualPeer.handshake(port, "fuzzer", ["g1"]);
    expect(answer.type).toBe(FrameType.welcome);
    const welcome = JSON.parse(answer.payload.toString("utf8")) as WelcomeMsg;
    return { peer, durableSeq: welcome.groups.g1!.durableSeq };
  }

  /** Sends a request and returns the recovery site's reply. */
  async request(body: RequestBody): Promise<ReplyMsg> {
    const id = ++this.requests;
    this.sendJson(FrameType.request, { ...body, id });
    const reply = await this.next();
    expect(reply.type).toBe(FrameType.reply);
    const msg = JSON.parse(reply.payload.toString("utf8")) as ReplyMsg;
    expect(msg.id).toBe(id);
    return msg;
  }

  private sendJson(type: FrameType, value: unknown): void {
    this.send([encodeFrame(type, Buffer.from(JSON.stringify(value)))]);
  }

  send(parts: readonly Buffer[]): void {
    for (const p of parts) this.socket.write(p);
  }

  next(): Promise<Frame> {
    return waitFor(() => this.frames.shift(), {
      timeoutMs: 5_000,
      what: "a frame from the recovery site",
      intervalMs: 2,
    });
  }

  /** Resolves with an ack frame if one arrives, or null once the site closed the connection. */
  async outcome(): Promise<Frame | null> {
    await waitFor(() => this.closed || this.frames.some((f) => f.type === FrameType.ack), {
      timeoutMs: 5_000,
      what: "an ack or the connection closed",
      intervalMs: 2,
    });
    return this.frames.find((f) => f.type === FrameType.ack) ?? null;
  }

  close(): void {
    this.socket.destroy();
  }
}
