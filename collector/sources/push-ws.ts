/**
 * WebSocket push route: `/api/v1/push/ws`, mounted through the exporter's `webSocket()`. The
 * upgrade request carries the same bearer token as the HTTP route; a refused token gets one JSON
 * error and the close code 4401 or 4403 (HTTP status + 4000). Each text message is one batch and
 * is answered, in order, by one JSON message: the HTTP reply body plus `status` and `seq` (the
 * 1-based message number on this connection).
 */
import type { IncomingMessage } from "node:http";
import type { WebSocket } from "ws";
import { authenticatePush } from "./push-auth.ts";
import { handlePushPayload, PUSH_MAX_BYTES } from "./push-payload.ts";
import { PUSH_PATH } from "./push-routes.ts";
import type { PushRegistry } from "./push-source.ts";

export const PUSH_WS_PATH = `${PUSH_PATH}/ws`;

export function pushWebSocketHandler(registry: PushRegistry): (socket: WebSocket, req: IncomingMessage) => void {
  return (socket, req) => {
    const auth = authenticatePush(registry, req.headers);
    if ("status" in auth) {
      socket.send(JSON.stringify({ seq: 0, status: auth.status, ok: false, error: auth.error, issues: [] }));
      socket.close(4000 + auth.status, auth.error.slice(0, 120));
      return;
    }
    let seq = 0;
    socket.on("message", (raw, isBinary) => {
      seq++;
      const data = raw as Buffer; // the default "nodebuffer" binary type: one Buffer per message
      const answer = (body: object) => socket.send(JSON.stringify({ seq, ...body }));
      if (data.length > PUSH_MAX_BYTES) {
        auth.source.refuse(`message larger than ${PUSH_MAX_BYTES} bytes`);
        answer({ status: 413, ok: false, error: `message larger than ${PUSH_MAX_BYTES} bytes`, issues: [] });
        socket.close(1009);
      } else if (isBinary) {
        auth.source.refuse("binary message");
        answer({ status: 415, ok: false, error: "send batches as text messages", issues: [] });
      } else {
        const reply = handlePushPayload(auth.source, data.toString("utf8"));
        answer({ status: reply.status, ...reply.body });
      }
    });
  };
}
