/** An NBD server's counters, kept in place by its connections (server.ts, connection.ts). */

export interface NbdServerCounters {
  connectionsTotal: number;
  connectionsActive: number;
  /** Connections closed because of a protocol violation (bad magic, bad flags, handshake timeout). */
  protocolErrorsTotal: number;
  requestsTotal: number;
  /** Requests answered with a non-zero error. */
  requestErrorsTotal: number;
  bytesRead: number;
  bytesWritten: number;
}
