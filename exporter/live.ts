/**
 * The live feed at `/live` (WebSocket, JSON text frames): `{type:"snapshot", snapshot}` on
 * connect, then `{type:"delta", delta}` after every collector update (collector/delta.ts).
 * One delta is computed per update and shared by all clients; none is computed without clients.
 */
import type { WebSocket } from "ws";
import { snapshotDelta } from "../collector/delta.ts";
import type { SnapshotProvider } from "./server.ts";

/** A client that lets this much pile up is dropped; it reconnects and gets a fresh snapshot. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface LiveFeed {
  accept(socket: WebSocket): void;
  close(): void;
}

export function createLiveFeed(provider: SnapshotProvider): LiveFeed {
  const clients = new Set<WebSocket>();
  const unsubscribe = provider.subscribe((next, previous) => {
    if (clients.size === 0) return;
    const frame = JSON.stringify({ type: "delta", delta: snapshotDelta(previous, next) });
    for (const socket of clients) {
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.terminate();
      else socket.send(frame);
    }
  });
  return {
    accept(socket) {
      clients.add(socket);
      socket.on("close", () => clients.delete(socket));
      socket.send(JSON.stringify({ type: "snapshot", snapshot: provider.current() }));
    },
    close() {
      unsubscribe();
      for (const socket of clients) socket.terminate();
      clients.clear();
    },
  };
}
