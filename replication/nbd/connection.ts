/**
 * One NBD connection: fixed-newstyle handshake and option haggling, then the transmission phase.
 * Requests run concurrently and their replies go out as they complete (out of order), which is
 * where NBD throughput comes from (anchors §5).
 */
import type { Socket } from "node:net";
import type { Logger } from "../../lib/log.ts";
import type { NbdExportBackend } from "./backend.ts";
import type { BufferPool } from "./buffer-pool.ts";
import { ByteReader, ConnectionClosedError } from "./byte-reader.ts";
import type { NbdServerCounters } from "./counters.ts";
import {
  ClientFlag,
  Cmd,
  CmdFlag,
  decodeGoPayload,
  decodeOptionHeader,
  decodeRequestHeader,
  Errno,
  encodeExportNameReply,
  encodeHandshake,
  encodeInfoExport,
  encodeOptionReply,
  encodeServerReply,
  encodeSimpleReply,
  HandshakeFlag,
  IHAVEOPT,
  Info,
  MAX_OPTION_LENGTH,
  OPTION_HEADER_SIZE,
  Opt,
  REQUEST_HEADER_SIZE,
  REQUEST_MAGIC,
  Rep,
  type RequestHeader,
  TxFlag,
} from "./protocol.ts";

/** What a connection needs from its server. */
export interface ConnectionContext {
  lookup: (name: string) => NbdExportBackend | undefined;
  list: () => string[];
  maxRequestBytes: number;
  maxInFlightBytes: number;
  handshakeTimeoutMs: number;
  /** READ reply buffers, shared by the server's connections (all on one thread). */
  buffers: BufferPool;
  /** The server's counters, updated in place. */
  stats: NbdServerCounters;
}

/** Thrown inside a connection to end it after logging why; never escapes the server. */
export class ProtocolError extends Error {}

const PREFERRED_BLOCK_SIZE = 4096;
/** Unread bytes at which the socket is paused: room for several large writes, so 1 MiB frames don't stall TCP. */
const RECEIVE_HIGH_WATER_BYTES = 8 * 1024 * 1024;

function transmissionFlags(backend: NbdExportBackend): number {
  let flags = TxFlag.HAS_FLAGS | TxFlag.SEND_FLUSH | TxFlag.SEND_FUA | TxFlag.SEND_CACHE;
  // CAN_MULTI_CONN promises that a FLUSH covers the writes of every connection, which a writable
  // export cannot (a FLUSH waits for its own connection's writes only). A read-only one has no
  // writes, so clients may spread its reads over several connections (nbdcopy uses 4).
  if (backend.readOnly) flags |= TxFlag.READ_ONLY | TxFlag.CAN_MULTI_CONN;
  else flags |= TxFlag.SEND_TRIM | TxFlag.SEND_WRITE_ZEROES;
  return flags;
}

/**
 * Maps a backend failure to an NBD error: ENOSPC (a full scratch area) and EPERM (a fenced volume)
 * pass through, everything else is EIO.
 */
function errnoOf(err: unknown): number {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === "ENOSPC" ? Errno.ENOSPC : code === "EPERM" ? Errno.EPERM : Errno.EIO;
}

const COMMAND_NAMES: Record<number, string> = Object.fromEntries(Object.entries(Cmd).map(([k, v]) => [v, k]));

export class Connection {
  private readonly reader: ByteReader;
  /** Writes (incl. trim/zeroes) not yet completed; a FLUSH waits for all of them. */
  private readonly inFlightWrites = new Set<Promise<unknown>>();
  private readonly inFlight = new Set<Promise<void>>();
  private inFlightBytes = 0;
  private wakeReader: (() => void) | undefined;
  private corked = false;

  constructor(
    private readonly cfg: ConnectionContext,
    private readonly socket: Socket,
    private readonly log: Logger,
  ) {
    this.reader = new ByteReader(socket, RECEIVE_HIGH_WATER_BYTES);
  }

  /** Resolves when every request already started has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async run(): Promise<void> {
    const timer = setTimeout(() => {
      this.log.warn("handshake timed out, disconnecting");
      this.cfg.stats.protocolErrorsTotal++;
      this.socket.destroy();
    }, this.cfg.handshakeTimeoutMs);
    let backend: NbdExportBackend | undefined;
    try {
      backend = await this.handshake();
    } finally {
      clearTimeout(timer);
    }
    if (!backend) return this.end();
    this.log.debug({ export: backend.name }, "transmission phase");
    await this.transmit(backend);
  }

  private send(b: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(b);
  }

  private end(): void {
    this.socket.end();
  }

  /** Returns the export to serve, or undefined when the client aborted. */
  private async handshake(): Promise<NbdExportBackend | undefined> {
    this.send(encodeHandshake(HandshakeFlag.FIXED_NEWSTYLE | HandshakeFlag.NO_ZEROES));
    const clientFlags = (await this.reader.read(4)).readUInt32BE(0);
    if (!(clientFlags & ClientFlag.FIXED_NEWSTYLE)) throw new ProtocolError("client is not fixed-newstyle");
    if (clientFlags & ~(ClientFlag.FIXED_NEWSTYLE | ClientFlag.NO_ZEROES)) {
      throw new ProtocolError(`unknown client flags 0x${clientFlags.toString(16)}`);
    }
    const noZeroes = (clientFlags & ClientFlag.NO_ZEROES) !== 0;
    for (;;) {
      const header = decodeOptionHeader(await this.reader.read(OPTION_HEADER_SIZE));
      if (header.magic !== IHAVEOPT) throw new ProtocolError("bad option magic");
      const { option, length } = header;
      if (length > MAX_OPTION_LENGTH) {
        await this.reader.skip(length);
        this.send(encodeOptionReply(option, Rep.ERR_TOO_BIG));
        continue;
      }
      const data = await this.reader.read(length);
      switch (option) {
        case Opt.EXPORT_NAME: {
          const backend = this.cfg.lookup(data.toString("utf8"));
          // The legacy option has no error reply: an unknown export can only be refused by closing.
          if (!backend) throw new ProtocolError(`EXPORT_NAME for unknown export "${data.toString("utf8")}"`);
          this.send(encodeExportNameReply(backend.size, transmissionFlags(backend), noZeroes));
          return backend;
        }
        case Opt.ABORT:
          this.send(encodeOptionReply(option, Rep.ACK));
          return undefined;
        case Opt.LIST:
          if (length !== 0) {
            this.send(encodeOptionReply(option, Rep.ERR_INVALID));
            break;
          }
          for (const name of this.cfg.list()) this.send(encodeOptionReply(option, Rep.SERVER, encodeServerReply(name)));
          this.send(encodeOptionReply(option, Rep.ACK));
          break;
        case Opt.INFO:
        case Opt.GO: {
          const backend = this.answerInfo(option, data);
          if (backend && option === Opt.GO) return backend;
          break;
        }
        default:
          // STARTTLS, STRUCTURED_REPLY, meta contexts and anything unknown.
          this.send(encodeOptionReply(option, Rep.ERR_UNSUP));
      }
    }
  }

  /** Answers INFO/GO; returns the export when the reply was a success. */
  private answerInfo(option: number, data: Buffer): NbdExportBackend | undefined {
    const request = decodeGoPayload(data);
    if (!request) {
      this.send(encodeOptionReply(option, Rep.ERR_INVALID));
      return undefined;
    }
    const backend = this.cfg.lookup(request.name);
    if (!backend) {
      this.send(encodeOptionReply(option, Rep.ERR_UNKNOWN, Buffer.from(`no export named "${request.name}"`)));
      return undefined;
    }
    this.send(encodeOptionReply(option, Rep.INFO, encodeInfoExport(backend.size, transmissionFlags(backend))));
    for (const info of new Set(request.infos)) {
      if (info === Info.NAME) {
        const name = Buffer.from(backend.name, "utf8");
        const b = Buffer.alloc(2 + name.length);
        b.writeUInt16BE(Info.NAME, 0);
        name.copy(b, 2);
        this.send(encodeOptionReply(option, Rep.INFO, b));
      } else if (info === Info.BLOCK_SIZE) {
        const b = Buffer.alloc(14);
        b.writeUInt16BE(Info.BLOCK_SIZE, 0);
        b.writeUInt32BE(1, 2);
        b.writeUInt32BE(PREFERRED_BLOCK_SIZE, 6);
        b.writeUInt32BE(this.cfg.maxRequestBytes, 10);
        this.send(encodeOptionReply(option, Rep.INFO, b));
      }
      // Other requests (DESCRIPTION, unknown) are optional and silently not answered.
    }
    this.send(encodeOptionReply(option, Rep.ACK));
    return backend;
  }

  private async transmit(backend: NbdExportBackend): Promise<void> {
    try {
      for (;;) {
        if (this.mustWait()) await this.waitForRoom();
        // Requests still buffered when the socket is gone can never be answered: stop here.
        if (this.socket.destroyed) break;
        const header = decodeRequestHeader(
          this.reader.tryRead(REQUEST_HEADER_SIZE) ?? (await this.reader.read(REQUEST_HEADER_SIZE)),
        );
        if (header.magic !== REQUEST_MAGIC) throw new ProtocolError(`bad request magic 0x${header.magic.toString(16)}`);
        this.cfg.stats.requestsTotal++;
        if (header.type === Cmd.DISC) break;
        const error = this.check(backend, header);
        if (header.type === Cmd.WRITE) {
          if (error !== Errno.OK) {
            await this.reader.skip(header.length);
            this.reply(header.cookie, error);
            continue;
          }
          const data = this.reader.tryReadParts(header.length) ?? (await this.reader.readParts(header.length));
          this.track(header, () => backend.write(header.offset, data, (header.flags & CmdFlag.FUA) !== 0));
          continue;
        }
        if (error !== Errno.OK) {
          this.reply(header.cookie, error);
          continue;
        }
        this.dispatch(backend, header);
      }
    } finally {
      // DISC or a closed socket: let requests already accepted finish (they may still reply).
      await Promise.allSettled([...this.inFlight]);
    }
    this.end();
  }

  /** Validates a request; returns the NBD error to answer with, or OK. */
  private check(backend: NbdExportBackend, h: RequestHeader): number {
    const { type, offset, length } = h;
    switch (type) {
      case Cmd.FLUSH:
        return Errno.OK;
      case Cmd.READ:
      case Cmd.WRITE:
      case Cmd.TRIM:
      case Cmd.WRITE_ZEROES:
      case Cmd.CACHE:
        if ((type === Cmd.READ || type === Cmd.WRITE) && length > this.cfg.maxRequestBytes) return Errno.EINVAL;
        if (length === 0 || offset + length > backend.size) return Errno.EINVAL;
        if (backend.readOnly && type !== Cmd.READ && type !== Cmd.CACHE) return Errno.EPERM;
        return Errno.OK;
      default:
        return Errno.EINVAL;
    }
  }

  private dispatch(backend: NbdExportBackend, h: RequestHeader): void {
    const fua = (h.flags & CmdFlag.FUA) !== 0;
    switch (h.type) {
      case Cmd.READ:
        if (backend.readInto) {
          const into = this.cfg.buffers.take(h.length);
          this.track(h, () => backend.readInto!(h.offset, into).then(() => into), true);
        } else this.track(h, () => backend.read(h.offset, h.length));
        return;
      case Cmd.TRIM:
        this.track(h, () => backend.trim(h.offset, h.length, fua));
        return;
      case Cmd.WRITE_ZEROES:
        // NO_HOLE only forbids punching holes; the backend may still write zeroes however it likes.
        this.track(h, () => backend.writeZeroes(h.offset, h.length, fua));
        return;
      case Cmd.FLUSH: {
        const before = [...this.inFlightWrites];
        this.track(h, async () => {
          await Promise.allSettled(before);
          await backend.flush();
        });
        return;
      }
      case Cmd.CACHE:
        this.reply(h.cookie, Errno.OK);
        return;
    }
  }

  /**
   * Runs one request, counting its bytes in flight, and replies when it settles. A READ's data is
   * `pooled` when it came from `cfg.buffers`: it goes back there once written.
   */
  private track(h: RequestHeader, op: () => Promise<unknown>, pooled = false): void {
    const bytes = h.type === Cmd.READ || h.type === Cmd.WRITE ? h.length : 0;
    this.inFlightBytes += bytes;
    let started: Promise<unknown>;
    try {
      started = op();
    } catch (err) {
      started = Promise.reject(err);
    }
    const isWrite = h.type === Cmd.WRITE || h.type === Cmd.TRIM || h.type === Cmd.WRITE_ZEROES;
    if (isWrite) this.inFlightWrites.add(started);
    const settle = () => {
      this.inFlightWrites.delete(started);
      this.inFlight.delete(done);
      this.inFlightBytes -= bytes;
      this.wakeReader?.();
    };
    const done = started.then(
      (result) => {
        settle();
        if (h.type !== Cmd.READ) {
          if (h.type === Cmd.WRITE) this.cfg.stats.bytesWritten += h.length;
          return this.reply(h.cookie, Errno.OK);
        }
        const data = result as Buffer;
        if (data.length !== h.length) return this.fail(h, new Error(`backend returned ${data.length} bytes`));
        this.cfg.stats.bytesRead += h.length;
        this.reply(h.cookie, Errno.OK, data, pooled);
      },
      (err: unknown) => {
        settle();
        this.fail(h, err);
      },
    );
    this.inFlight.add(done);
  }

  private fail(h: RequestHeader, err: unknown): void {
    this.log.error(
      { err, command: COMMAND_NAMES[h.type], offset: h.offset, length: h.length },
      "backend request failed",
    );
    this.reply(h.cookie, errnoOf(err));
  }

  private reply(cookie: bigint, error: number, data?: Buffer, pooled = false): void {
    if (error !== Errno.OK) this.cfg.stats.requestErrorsTotal++;
    if (this.socket.destroyed) return;
    // Replies completed in the same event-loop turn leave in one writev, not one syscall each.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(encodeSimpleReply(error, cookie));
    if (!data) return;
    // Only a write that completed releases the buffer: a failed one may still be held by libuv.
    if (pooled) this.socket.write(data, (err) => err || this.cfg.buffers.give(data));
    else this.socket.write(data);
  }

  private mustWait(): boolean {
    return this.inFlightBytes >= this.cfg.maxInFlightBytes || this.socket.writableNeedDrain;
  }

  /** Backpressure: stop reading requests while too many bytes are in flight or replies are unsent. */
  private async waitForRoom(): Promise<void> {
    while (this.inFlightBytes >= this.cfg.maxInFlightBytes) {
      await new Promise<void>((resolve) => {
        this.wakeReader = resolve;
      });
      this.wakeReader = undefined;
    }
    if (this.socket.writableNeedDrain) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off("drain", done);
          this.socket.off("close", done);
          resolve();
        };
        this.socket.on("drain", done);
        this.socket.on("close", done);
      });
      if (this.socket.destroyed) throw new ConnectionClosedError();
    }
  }
}
