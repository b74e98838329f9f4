/**
 * Small NBD client: fixed-newstyle handshake with OPT_GO, then pipelined requests matched to
 * replies by cookie. Used by the workload generator and by tests; it checks only what it must to
 * stay in sync with the server, so tests can send out-of-range requests and observe the error.
 */
import { connect, type Socket } from "node:net";
import { ByteReader, ConnectionClosedError } from "./byte-reader.ts";
import {
  ClientFlag,
  Cmd,
  CmdFlag,
  decodeHandshake,
  decodeOptionReplyHeader,
  decodeSimpleReplyHeader,
  Errno,
  encodeGoPayload,
  encodeOption,
  encodeRequest,
  errnoName,
  HANDSHAKE_SIZE,
  HandshakeFlag,
  IHAVEOPT,
  Info,
  NBDMAGIC,
  OPTION_REPLY_HEADER_SIZE,
  OPTION_REPLY_MAGIC,
  Opt,
  Rep,
  SIMPLE_REPLY_HEADER_SIZE,
  SIMPLE_REPLY_MAGIC,
  TxFlag,
} from "./protocol.ts";

export interface NbdAddress {
  host: string;
  port: number;
}

export interface NbdClientOptions extends NbdAddress {
  exportName: string;
  /** Give up connecting and negotiating after this long; default 10 s. */
  timeoutMs?: number;
}

/** A request the server answered with an error. */
export class NbdRequestError extends Error {
  constructor(
    readonly command: string,
    readonly errno: number,
  ) {
    super(`NBD ${command} failed: ${errnoName(errno)}`);
    this.name = "NbdRequestError";
  }
}

/** The handshake failed: the server refused an option or spoke something other than NBD. */
export class NbdHandshakeError extends Error {
  override name = "NbdHandshakeError";
}

export interface WriteOptions {
  /** Force unit access: the reply comes only once the data is durable. */
  fua?: boolean;
}

interface Pending {
  command: string;
  readLength: number;
  resolve: (data: Buffer) => void;
  reject: (err: Error) => void;
}

const EMPTY = Buffer.alloc(0);

export class NbdClient {
  private readonly pending = new Map<bigint, Pending>();
  private nextCookie = 1n;
  private failure: Error | undefined;
  /** Resolved when no request is in flight any more (for disconnect). */
  private idleWaiters: (() => void)[] = [];

  private constructor(
    private readonly socket: Socket,
    private readonly reader: ByteReader,
    readonly size: number,
    readonly transmissionFlags: number,
  ) {
    socket.on("close", () => this.failAll(new ConnectionClosedError()));
    void this.receiveReplies();
  }

  /** Connects, negotiates the export with OPT_GO and returns a client ready for requests. */
  static async connect(options: NbdClientOptions): Promise<NbdClient> {
    const { socket, reader } = await openSocket(options);
    const timer = setTimeout(() => socket.destroy(new Error("NBD handshake timed out")), options.timeoutMs ?? 10_000);
    try {
      await greet(socket, reader);
      socket.write(encodeOption(Opt.GO, encodeGoPayload(options.exportName)));
      let info: { size: number; flags: number } | undefined;
      for (;;) {
        const reply = await readOptionReply(reader, Opt.GO);
        if (reply.type === Rep.ACK) break;
        if (reply.type === Rep.INFO && reply.data.length >= 12 && reply.data.readUInt16BE(0) === Info.EXPORT) {
          info = { size: Number(reply.data.readBigUInt64BE(2)), flags: reply.data.readUInt16BE(10) };
        }
      }
      if (!info) throw new NbdHandshakeError("server acknowledged OPT_GO without NBD_INFO_EXPORT");
      return new NbdClient(socket, reader, info.size, info.flags);
    } catch (err) {
      socket.destroy();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lists the server's exports (OPT_LIST), then aborts the session. */
  static async list(address: NbdAddress & { timeoutMs?: number }): Promise<string[]> {
    const { socket, reader } = await openSocket(address);
    const timer = setTimeout(() => socket.destroy(new Error("NBD list timed out")), address.timeoutMs ?? 10_000);
    try {
      await greet(socket, reader);
      socket.write(encodeOption(Opt.LIST));
      const names: string[] = [];
      for (;;) {
        const reply = await readOptionReply(reader, Opt.LIST);
        if (reply.type === Rep.ACK) break;
        const length = reply.data.readUInt32BE(0);
        names.push(reply.data.toString("utf8", 4, 4 + length));
      }
      socket.write(encodeOption(Opt.ABORT));
      return names;
    } finally {
      clearTimeout(timer);
      socket.end();
    }
  }

  get readOnly(): boolean {
    return (this.transmissionFlags & TxFlag.READ_ONLY) !== 0;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.request("READ", Cmd.READ, 0, offset, length);
  }

  async write(offset: number, data: Buffer, options: WriteOptions = {}): Promise<void> {
    await this.request("WRITE", Cmd.WRITE, options.fua ? CmdFlag.FUA : 0, offset, data.length, data);
  }

  async flush(): Promise<void> {
    await this.request("FLUSH", Cmd.FLUSH, 0, 0, 0);
  }

  async trim(offset: number, length: number, options: WriteOptions = {}): Promise<void> {
    await this.request("TRIM", Cmd.TRIM, options.fua ? CmdFlag.FUA : 0, offset, length);
  }

  async writeZeroes(offset: number, length: number, options: WriteOptions & { noHole?: boolean } = {}): Promise<void> {
    const flags = (options.fua ? CmdFlag.FUA : 0) | (options.noHole ? CmdFlag.NO_HOLE : 0);
    await this.request("WRITE_ZEROES", Cmd.WRITE_ZEROES, flags, offset, length);
  }

  /** Sends NBD_CMD_DISC once every request in flight is answered, and waits for the close. */
  async disconnect(): Promise<void> {
    if (this.pending.size > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.socket.destroyed) return;
    this.socket.write(encodeRequest({ flags: 0, type: Cmd.DISC, cookie: this.nextCookie++, offset: 0, length: 0 }));
    await new Promise<void>((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.end();
    });
  }

  /** Drops the connection at once; requests in flight fail. */
  destroy(): void {
    this.socket.destroy();
  }

  private request(
    command: string,
    type: number,
    flags: number,
    offset: number,
    length: number,
    payload?: Buffer,
  ): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    const cookie = this.nextCookie++;
    return new Promise((resolve, reject) => {
      this.pending.set(cookie, { command, readLength: type === Cmd.READ ? length : 0, resolve, reject });
      const header = encodeRequest({ flags, type, cookie, offset, length });
      if (payload) {
        this.socket.cork();
        this.socket.write(header);
        this.socket.write(payload);
        this.socket.uncork();
      } else {
        this.socket.write(header);
      }
    });
  }

  private async receiveReplies(): Promise<void> {
    try {
      for (;;) {
        const reply = decodeSimpleReplyHeader(await this.reader.read(SIMPLE_REPLY_HEADER_SIZE));
        if (reply.magic !== SIMPLE_REPLY_MAGIC) throw new Error(`bad reply magic 0x${reply.magic.toString(16)}`);
        const p = this.pending.get(reply.cookie);
        if (!p) throw new Error(`reply for unknown cookie ${reply.cookie}`);
        if (reply.error !== Errno.OK) p.reject(new NbdRequestError(p.command, reply.error));
        else p.resolve(p.readLength > 0 ? await this.reader.read(p.readLength) : EMPTY);
        this.pending.delete(reply.cookie);
        if (this.pending.size === 0) this.wakeIdle();
      }
    } catch (err) {
      this.failAll(err as Error);
      this.socket.destroy();
    }
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
    this.wakeIdle();
  }

  private wakeIdle(): void {
    for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

function openSocket(address: NbdAddress & { timeoutMs?: number }): Promise<{ socket: Socket; reader: ByteReader }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port, noDelay: true });
    const timer = setTimeout(
      () => socket.destroy(new Error(`connect to ${address.host}:${address.port} timed out`)),
      address.timeoutMs ?? 10_000,
    );
    socket.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve({ socket, reader: new ByteReader(socket) });
    });
  });
}

/** Reads the server's greeting and answers with our client flags. */
async function greet(socket: Socket, reader: ByteReader): Promise<void> {
  const hello = decodeHandshake(await reader.read(HANDSHAKE_SIZE));
  if (hello.magic !== NBDMAGIC) throw new NbdHandshakeError("not an NBD server (bad magic)");
  if (hello.optMagic !== IHAVEOPT || !(hello.flags & HandshakeFlag.FIXED_NEWSTYLE)) {
    throw new NbdHandshakeError("server does not speak fixed newstyle NBD");
  }
  const noZeroes = hello.flags & HandshakeFlag.NO_ZEROES ? ClientFlag.NO_ZEROES : 0;
  const flags = Buffer.alloc(4);
  flags.writeUInt32BE(ClientFlag.FIXED_NEWSTYLE | noZeroes, 0);
  socket.write(flags);
}

async function readOptionReply(reader: ByteReader, option: number): Promise<{ type: number; data: Buffer }> {
  const header = decodeOptionReplyHeader(await reader.read(OPTION_REPLY_HEADER_SIZE));
  if (header.magic !== OPTION_REPLY_MAGIC || header.option !== option) {
    throw new NbdHandshakeError("malformed option reply");
  }
  const data = await reader.read(header.length);
  if (header.type >= 0x80000000) {
    const name = Object.entries(Rep).find(([, v]) => v === header.type)?.[0] ?? `0x${header.type.toString(16)}`;
    const text = data.length > 0 ? `: ${data.toString("utf8")}` : "";
    const optionName = Object.entries(Opt).find(([, v]) => v === option)?.[0] ?? String(option);
    throw new NbdHandshakeError(`server refused OPT_${optionName} with ${name}${text}`);
  }
  return { type: header.type, data };
}
