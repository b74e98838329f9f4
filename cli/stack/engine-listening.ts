/**
 * The line `rpowatch engine` prints on stdout once it serves: the addresses it bound, so a site
 * configured with port 0 (any free port) tells its supervisor, or a test, where to reach it.
 * `listening {"control":"127.0.0.1:41234","nbd":"127.0.0.1:41235"}`
 */
export interface EngineListening {
  control: string;
  /** A site with production groups: the NBD server. */
  nbd?: string;
  /** A site with recovery groups: the link listener. */
  link?: string;
}

const PREFIX = "listening ";

export function formatListening(addresses: EngineListening): string {
  return `${PREFIX}${JSON.stringify(addresses)}`;
}

/** The addresses in an engine's output, or undefined while it has not printed them yet. */
export function findListening(output: string): EngineListening | undefined {
  const line = output.split("\n").find((l) => l.startsWith(PREFIX));
  return line === undefined ? undefined : (JSON.parse(line.slice(PREFIX.length)) as EngineListening);
}
