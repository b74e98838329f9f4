/**
 * Where an NBD export is reached: its URI (the NBD URI standard, NetworkBlockDevice/nbd
 * doc/uri.md, which qemu, libnbd's tools and nbdkit all read) over TCP or a Unix domain socket,
 * and what makes a Unix socket path usable at all.
 */
import { formatHostPort } from "../../lib/host-port.ts";

/**
 * Longest Unix socket path Linux takes (sun_path is 108 bytes with its terminating NUL): a longer
 * one fails to bind with a bare EINVAL, so it is refused up front with the path named.
 */
export const MAX_UNIX_SOCKET_PATH_BYTES = 107;

/** Why `path` cannot be a Unix socket address, or null when it can. */
export function unixSocketPathProblem(path: string): string | null {
  if (!path.startsWith("/")) return "must be an absolute path";
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_UNIX_SOCKET_PATH_BYTES)
    return `is ${bytes} bytes long; a Unix socket path can have at most ${MAX_UNIX_SOCKET_PATH_BYTES}`;
  return null;
}

/** `nbd://host:port/export`. */
export function nbdTcpUri(host: string, port: number, exportName: string): string {
  return `nbd://${formatHostPort({ host, port })}/${encodeURIComponent(exportName)}`;
}

/** `nbd+unix:///export?socket=/path`: the socket path percent-encoded except its slashes. */
export function nbdUnixUri(socket: string, exportName: string): string {
  return `nbd+unix:///${encodeURIComponent(exportName)}?socket=${encodeURIComponent(socket).replaceAll("%2F", "/")}`;
}
