/**
 * Waiting for one specific frame during the handshake: anything else, or silence past the
 * timeout, is a protocol error. Frame size is bounded by the socket's reader
 * (MAX_HANDSHAKE_FRAME_BYTES until authentication).
 */
import type { FramedSocket } from "./framed-socket.ts";
import { type Frame, type FrameType, ProtocolError, parseJson } from "./framing.ts";

export const HANDSHAKE_TIMEOUT_MS = 10_000;

export function expectFrame<T>(link: FramedSocket, accept: FrameType[], timeoutMs = HANDSHAKE_TIMEOUT_MS) {
  return new Promise<{ type: FrameType; msg: T }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ProtocolError("handshake timed out")), timeoutMs);
    link.setHandler((frame: Frame) => {
      clearTimeout(timer);
      link.setHandler(() => {
        throw new ProtocolError("unexpected frame during handshake");
      });
      if (!accept.includes(frame.type)) {
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
