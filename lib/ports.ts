import { createServer, type Server } from "node:net";

function listenOnFreePort(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : 0 });
    });
  });
}

/**
 * Asks the kernel for `count` distinct free TCP ports on a loopback address. All are held open
 * until each is known, so the kernel cannot hand the same port out twice in one call.
 */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const held: Array<{ server: Server; port: number }> = [];
  try {
    for (let i = 0; i < count; i++) held.push(await listenOnFreePort(host));
    return held.map((h) => h.port);
  } finally {
    await Promise.all(held.map((h) => new Promise((resolve) => h.server.close(resolve))));
  }
}

/** Asks the kernel for a free TCP port on the given loopback address. */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const [port] = await freePorts(1, host);
  return port!;
}
