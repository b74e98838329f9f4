/**
 * The live feed at `/live` (WebSocket, JSON text frames): `{type:"snapshot", snapshot}` on
 * connect, then `{type:"delta", delta}` after every collector update (collector/delta.ts).
 * One delta is computed per update and shared by all clients; none is computed without clients.
 * With an alerts provider, also `{type:"alerts", alerts}` on connect and whenever the set changes.
 */
import type { WebSocket } from "ws";
import { snapshotDelta } from "../collector/delta.ts";
import type { SnapshotFeed } from "../collector/snapshot-feed.ts";
import type { FiringAlertsProvider } from "./firing-alerts.ts";

/** A client that lets this much pile up is dropped; it reconnects and gets a fresh snapshot. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** How often the alert set is compared with the one last sent (the evaluator runs on a timer too). */
const ALERTS_CHECK_MS = 1000;

export interface LiveFeed {
  accept(socket: WebSocket): void;
  close(): void;
}

const alertsFrame = (alertsJson: string) => `{"type":"alerts","alerts":${alertsJson}}`;

export function createLiveFeed(provider: SnapshotFeed, alerts?: FiringAlertsProvider): LiveFeed {
  const clients = new Set<WebSocket>();
  const broadcast = (frame: string) => {
    for (const socket of clients) {
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) socket.terminate();
      else socket.send(frame);
    }
  };
  const unsubscribe = provider.subscribe((next, previous) => {
    if (clients.size === 0) return;
    broadcast(JSON.stringify({ type: "delta", delta: snapshotDelta(previous, next) }));
  });
  let alertsSent = "";
  const alertsTimer = alerts
    ? setInterval(() => {
        if (clients.size === 0) return;
        const current = JSON.stringify(alerts());
        if (current === alertsSent) return;
        alertsSent = current;
        broadcast(alertsFrame(current));
      }, ALERTS_CHECK_MS)
    : undefined;
  alertsTimer?.unref();
  return {
    accept(socket) {
      clients.add(socket);
      socket.on("close", () => clients.delete(socket));
      socket.send(JSON.stringify({ type: "snapshot", snapshot: provider.current() }));
      if (alerts) socket.send(alertsFrame(JSON.stringify(alerts())));
    },
    close() {
      unsubscribe();
      clearInterval(alertsTimer);
      for (const socket of clients) socket.terminate();
      clients.clear();
    },
  };
}
