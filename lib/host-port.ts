/**
 * `host:port` addresses, the one parser for every listen address, peer and source target:
 * `127.0.0.1:9464`, `db.example:5432`, `[::1]:10809`. Port 0 is allowed (a listener then binds any
 * free port and reports the one it got).
 */
export interface HostPort {
  /** Without IPv6 brackets. */
  host: string;
  port: number;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/** Why `text` is not a host:port address, or null when it is one. */
export function hostPortProblem(text: string): string | null {
  const m = HOST_PORT.exec(text);
  if (!m) return "expected host:port, e.g. 127.0.0.1:10809";
  if (Number(m[2]) > 65535) return "port must be 0-65535";
  return null;
}

export function parseHostPort(text: string): HostPort {
  const problem = hostPortProblem(text);
  if (problem) throw new Error(`${JSON.stringify(text)}: ${problem}`);
  const split = text.lastIndexOf(":");
  return { host: text.slice(0, split).replace(/^\[|\]$/g, ""), port: Number(text.slice(split + 1)) };
}

export function formatHostPort({ host, port }: HostPort): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
