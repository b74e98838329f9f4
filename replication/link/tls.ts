/**
 * Optional mutual TLS on the link: both sites present a certificate that chains to the CA the
 * other trusts, so the replicated bytes are encrypted on the wire and each site proves its
 * identity before the pre-shared-key challenge runs on top. Without `link.tls` the link is plain
 * TCP (PSK authentication only).
 */
import { readFileSync } from "node:fs";
import { connect as netConnect, createServer as netCreateServer, type Server, type Socket } from "node:net";
import { connect as tlsConnect, createServer as tlsCreateServer } from "node:tls";
import { resolveSecret } from "../../lib/config-file.ts";
import type { LinkConfig } from "../config.ts";

export interface LinkTls {
  cert: Buffer;
  key: string;
  ca: Buffer;
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`link.tls.${what}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Loads the configured certificate, key and CA (read once, at start); null when TLS is off. */
export function loadLinkTls(config: LinkConfig): LinkTls | null {
  if (!config.tls) return null;
  return {
    cert: readPem(config.tls.cert, "cert"),
    key: resolveSecret(config.tls.key),
    ca: readPem(config.tls.ca, "ca"),
  };
}

/** Dials the recovery site; `ready` is the event after which frames may flow. */
export function dialLink(tls: LinkTls | null, host: string, port: number): { socket: Socket; ready: string } {
  if (!tls) return { socket: netConnect({ host, port }), ready: "connect" };
  // The recovery site's certificate must name the address dialled (DNS name or IP SAN).
  return { socket: tlsConnect({ host, port, ...tls, rejectUnauthorized: true }), ready: "secureConnect" };
}

/**
 * A server for the production site's link. `onSocket` gets each connection and, with TLS, why the
 * client's certificate is not trusted (null when it is): the caller refuses such a client over
 * the link, so it learns why (under TLS 1.3 a rejected client certificate gives the client no
 * alert it could report). A failed TLS handshake goes to `onRefused` with who and why.
 */
export function linkServer(
  tls: LinkTls | null,
  onSocket: (socket: Socket, untrusted: string | null) => void,
  onRefused: (remote: string, reason: string) => void,
): Server {
  if (!tls) return netCreateServer((socket) => onSocket(socket, null));
  const server = tlsCreateServer({ ...tls, requestCert: true, rejectUnauthorized: false }, (socket) =>
    onSocket(socket, socket.authorized ? null : `TLS client certificate not trusted: ${socket.authorizationError}`),
  );
  server.on("tlsClientError", (err, socket) => {
    onRefused(`${socket.remoteAddress}:${socket.remotePort}`, `TLS handshake failed: ${err.message}`);
    socket.destroy();
  });
  return server;
}

const TLS_REFUSALS = /CERT|certificate|SELF_SIGNED|UNABLE_TO|ALTNAME|handshake|alert/i;

/** Whether a socket error on the dialling side is the peer failing (or refusing) TLS authentication. */
export function isTlsRefusal(err: NodeJS.ErrnoException): boolean {
  return TLS_REFUSALS.test(`${err.code ?? ""} ${err.message}`);
}
