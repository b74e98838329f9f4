/**
 * Waiting for one specific frame during the handshake: anything else, or silence past the
 * timeout, is a protocol error. Before authentication frames are small, so a peer cannot make
 * us buffer much by sending garbage.
 */
import type { FramedSocket } from "./framed-socket.ts";
import { type Frame, type FrameType, ProtocolError, parseJson } from "./framing.ts";

export const HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_HANDSHAKE_FRAME = 64 * 1024;

export function expectFrame<T>(link: FramedSocket, accept: FrameType[], timeoutMs = HANDSHAKE_TIMEOUT_MS) {
  return new Promise<{ type: FrameType; msg: T }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ProtocolError("handshake timed out")), timeoutMs);
    link.setHandler((frame: Frame) => {
      clearTimeout(timer);
      link.setHandler(() => {
        throw new ProtocolError("unexpected frame during handshake");
      });
      if (!accept.includes(frame.type) || frame.payload.length > MAX_HANDSHAKE_FRAME) {
        reject(new ProtocolError(`unexpected frame type ${frame.type} during handshake`));
        return;
      }
      try {
        resolve({ type: frame.type, msg: parseJson<T>(frame) });
      } catch (err) {
        reject(err);
      }
    });
  });
}
