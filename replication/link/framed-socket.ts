/** Where a link's wire bytes are counted: every byte the framed socket sends or receives, once. */
export interface WireCounter {
  sent(bytes: number): void;
  received(bytes: number): void;
}

/**
 * A socket speaking link frames: counts wire bytes (once the peer is authenticated), hands frames to one handler strictly in
 * order (a batch must be durable before the next is looked at), pauses reading while the handler
 * is behind, and turns any malformed input into a logged disconnect, never a crash.
 */
import type { Socket } from "node:net";
import type { Logger } from "../../lib/log.ts";
import { type Frame, FrameReader, FrameType, jsonFrame, MAX_FRAME_BYTES } from "./framing.ts";

const MAX_QUEUED_FRAMES = 16;

export class FramedSocket {
  private readonly reader = new FrameReader();
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private closedReason: string | null = null;
  /** Set once the peer is authenticated: a stranger's bytes are not the link's. */
  private wire: WireCounter | null = null;

  constructor(
    readonly socket: Socket,
    private readonly logger: Logger,
    private handler: (frame: Frame) => Promise<void> | void,
    private readonly onClose: (reason: string) => void,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", (err) => this.close(`socket error: ${err.message}`));
    socket.on("close", () => this.close("connection closed by peer"));
  }

  get closed(): boolean {
    return this.closedReason !== null;
  }

  setHandler(handler: (frame: Frame) => Promise<void> | void): void {
    this.handler = handler;
  }

  /** The peer proved its key: from now on it may send frames up to a whole batch, and bytes count into `wire`. */
  authenticated(wire: WireCounter): void {
    this.reader.maxFrameBytes = MAX_FRAME_BYTES;
    this.wire = wire;
  }

  /**
   * Writes a frame, whole or as consecutive parts (header, then data: no copy into one buffer);
   * resolves when the socket accepted it (waits on backpressure).
   */
  send(frame: Buffer | readonly Buffer[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`link closed: ${this.closedReason}`));
    const parts = Buffer.isBuffer(frame) ? [frame] : frame;
    let accepted = true;
    this.socket.cork();
    for (const part of parts) {
      this.wire?.sent(part.length);
      accepted = this.socket.write(part);
    }
    this.socket.uncork();
    if (accepted) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.socket.off("close", onClose);
        resolve();
      };
      const onClose = () => {
        this.socket.off("drain", onDrain);
        reject(new Error("link closed"));
      };
      this.socket.once("drain", onDrain);
      this.socket.once("close", onClose);
    });
  }

  /**
   * Tells the peer why it is refused (a `refused` frame) and closes once that has left: closing at
   * once could drop the frame still being encrypted or queued.
   */
  async refuse(reason: string, closeReason = reason): Promise<void> {
    if (this.closed) return;
    const frame = jsonFrame(FrameType.refused, { reason });
    this.wire?.sent(frame.length);
    await new Promise<void>((resolve) => {
      this.socket.once("close", resolve);
      this.socket.end(frame, resolve);
    });
    this.close(closeReason);
  }

  /** Ends the connection once; the reason is logged by whoever owns the link. */
  close(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.socket.destroy();
    this.onClose(reason);
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.wire?.received(chunk.length);
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.close(`protocol error: ${(err as Error).message}`);
      return;
    }
    for (const frame of frames) {
      this.queued++;
      if (this.queued >= MAX_QUEUED_FRAMES) this.socket.pause();
      this.chain = this.chain.then(async () => {
        if (this.closed) return;
        try {
          await this.handler(frame);
        } catch (err) {
          this.logger.debug({ err }, "frame handler failed");
          this.close(
            `${(err as Error).name === "ProtocolError" ? "protocol error" : "error"}: ${(err as Error).message}`,
          );
        } finally {
          this.queued--;
          if (this.queued < MAX_QUEUED_FRAMES / 2 && !this.closed) this.socket.resume();
        }
      });
    }
  }
}
