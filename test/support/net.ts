import { createSocket } from "node:dgram";
import { connect, createServer } from "node:net";

/**
 * True when nothing is bound to 127.0.0.1:port for the protocol. Used by self-tests to prove a
 * stopped service released its port; binding is the only check that also works for UDP.
 */
export function isPortFree(port: number, protocol: "tcp" | "udp" = "tcp"): Promise<boolean> {
  return new Promise((resolve) => {
    if (protocol === "udp") {
      const socket = createSocket("udp4");
      socket.once("error", () => resolve(false));
      socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
      return;
    }
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** True when a TCP connection to 127.0.0.1:port is accepted: a readiness probe for plain TCP services. */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** True when GET `url` answers 2xx: the readiness probe for HTTP services (/-/ready, /health, /ping). */
export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url);
  await response.body?.cancel();
  return response.ok;
}

/** A receiver that holds its port and never delivers: `port` to point a client at, `close` to free it. */
export interface DeadReceiver {
  port: number;
  close(): Promise<void>;
}

/**
 * A UDP port held by a socket that reads nothing back (an SNMP manager that never answers), and a
 * TCP port whose every connection is reset at once (a mail server that is not there). Held rather
 * than picked free: no other process can take a port between choosing it and using it.
 */
export function deadUdpReceiver(): Promise<DeadReceiver> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () =>
      resolve({ port: socket.address().port, close: () => new Promise((done) => socket.close(() => done())) }),
    );
  });
}

export function deadTcpReceiver(): Promise<DeadReceiver> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.resetAndDestroy());
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ port, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}
