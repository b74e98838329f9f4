import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";

/** Lowest port handed out; below it lie the well-known and commonly configured service ports. */
const LOWEST_PORT = 20_000;
const MAX_ATTEMPTS = 1_000;

/**
 * First port of the kernel's ephemeral range (outgoing connections take their local port from it).
 * A port picked there could be taken by any outgoing connection between picking and binding.
 */
function ephemeralRangeStart(): number {
  try {
    const start = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > LOWEST_PORT + 1_000 ? start : 32_768;
  } catch {
    return 32_768;
  }
}

/** Listens on `port`, or resolves null when it is taken or not allowed. */
function tryListen(host: string, port: number): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(null));
    server.listen(port, host, () => resolve(server));
  });
}

/**
 * Finds `count` distinct free TCP ports on a loopback address, chosen at random below the
 * ephemeral range. All are held open until each is known, so one call never returns a port twice.
 * They are released on return: another process may take one before the caller binds it. A service
 * that can bind port 0 and report the port it got does not need this; one that must be told its
 * ports up front is started through withFreePorts, which retries when that happened.
 */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const span = ephemeralRangeStart() - LOWEST_PORT;
  const held = new Map<number, Server>();
  try {
    for (let attempt = 0; held.size < count; attempt++) {
      if (attempt >= MAX_ATTEMPTS)
        throw new Error(`no ${count} free TCP ports found on ${host} below the ephemeral range`);
      const port = LOWEST_PORT + Math.floor(Math.random() * span);
      if (held.has(port)) continue;
      const server = await tryListen(host, port);
      if (server) held.set(port, server);
    }
    return [...held.keys()];
  } finally {
    await Promise.all([...held.values()].map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

/** Finds a free TCP port on the given loopback address (see freePorts). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const [port] = await freePorts(1, host);
  return port!;
}

/** How a service says that a port it was given is taken (Node, Go, Python, PostgreSQL, net-snmp). */
const ADDRESS_IN_USE = /EADDRINUSE|address already in use|Errno 98|Error opening specified endpoint/i;

/**
 * Starts a service that must be told its ports up front: `start` gets `count` free ports; when it
 * fails because one of them was taken meanwhile (its error says so), it runs again with new ports.
 * Any other failure is the caller's.
 */
export async function withFreePorts<T>(
  count: number,
  start: (ports: number[]) => Promise<T>,
  attempts = 8,
  host = "127.0.0.1",
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePorts(count, host));
    } catch (err) {
      if (attempt >= attempts || !ADDRESS_IN_USE.test(String((err as Error)?.message ?? err))) throw err;
    }
  }
}

/** withFreePorts for one port. */
export function withFreePort<T>(start: (port: number) => Promise<T>, attempts?: number, host?: string): Promise<T> {
  return withFreePorts(1, ([port]) => start(port!), attempts, host);
}
