/**
 * NBD wire protocol (fixed newstyle handshake, option haggling, simple replies), after
 * NetworkBlockDevice/nbd doc/proto.md. Constants plus pure encode/decode helpers shared by the
 * server and the client; nothing here touches a socket.
 */

export const NBDMAGIC = 0x4e42444d41474943n;
export const IHAVEOPT = 0x49484156454f5054n;
export const OPTION_REPLY_MAGIC = 0x3e889045565a9n;
export const REQUEST_MAGIC = 0x25609513;
export const SIMPLE_REPLY_MAGIC = 0x67446698;

/** Handshake flags (server → client, u16). */
export const HandshakeFlag = { FIXED_NEWSTYLE: 1, NO_ZEROES: 2 } as const;
/** Client flags (client → server, u32). */
export const ClientFlag = { FIXED_NEWSTYLE: 1, NO_ZEROES: 2 } as const;

export const Opt = {
  EXPORT_NAME: 1,
  ABORT: 2,
  LIST: 3,
  PEEK_EXPORT: 4,
  STARTTLS: 5,
  INFO: 6,
  GO: 7,
  STRUCTURED_REPLY: 8,
  LIST_META_CONTEXT: 9,
  SET_META_CONTEXT: 10,
} as const;

const REP_ERR = 0x80000000;
export const Rep = {
  ACK: 1,
  SERVER: 2,
  INFO: 3,
  ERR_UNSUP: REP_ERR + 1,
  ERR_POLICY: REP_ERR + 2,
  ERR_INVALID: REP_ERR + 3,
  ERR_PLATFORM: REP_ERR + 4,
  ERR_TLS_REQD: REP_ERR + 5,
  ERR_UNKNOWN: REP_ERR + 6,
  ERR_SHUTDOWN: REP_ERR + 7,
  ERR_BLOCK_SIZE_REQD: REP_ERR + 8,
  ERR_TOO_BIG: REP_ERR + 9,
} as const;

export const Info = { EXPORT: 0, NAME: 1, DESCRIPTION: 2, BLOCK_SIZE: 3 } as const;

/** Transmission flags (u16), bit positions from proto.md. */
export const TxFlag = {
  HAS_FLAGS: 1 << 0,
  READ_ONLY: 1 << 1,
  SEND_FLUSH: 1 << 2,
  SEND_FUA: 1 << 3,
  ROTATIONAL: 1 << 4,
  SEND_TRIM: 1 << 5,
  SEND_WRITE_ZEROES: 1 << 6,
  SEND_DF: 1 << 7,
  CAN_MULTI_CONN: 1 << 8,
  SEND_RESIZE: 1 << 9,
  SEND_CACHE: 1 << 10,
  SEND_FAST_ZERO: 1 << 11,
} as const;

export const Cmd = {
  READ: 0,
  WRITE: 1,
  DISC: 2,
  FLUSH: 3,
  TRIM: 4,
  CACHE: 5,
  WRITE_ZEROES: 6,
  BLOCK_STATUS: 7,
} as const;

export const CmdFlag = { FUA: 1 << 0, NO_HOLE: 1 << 1, DF: 1 << 2, REQ_ONE: 1 << 3, FAST_ZERO: 1 << 4 } as const;

export const Errno = {
  OK: 0,
  EPERM: 1,
  EIO: 5,
  ENOMEM: 12,
  EINVAL: 22,
  ENOSPC: 28,
  EOVERFLOW: 75,
  ENOTSUP: 95,
  ESHUTDOWN: 108,
} as const;

/** Fixed sizes of the frames that have them. */
export const HANDSHAKE_SIZE = 18; // NBDMAGIC + IHAVEOPT + u16 flags
export const OPTION_HEADER_SIZE = 16; // IHAVEOPT + u32 option + u32 length
export const OPTION_REPLY_HEADER_SIZE = 20; // magic + u32 option + u32 type + u32 length
export const REQUEST_HEADER_SIZE = 28;
export const SIMPLE_REPLY_HEADER_SIZE = 16;
/** Longest option payload we accept; NBD names are at most 4096 bytes, INFO adds a few u16s. */
export const MAX_OPTION_LENGTH = 64 * 1024;

export interface OptionHeader {
  magic: bigint;
  option: number;
  length: number;
}

export interface RequestHeader {
  magic: number;
  flags: number;
  type: number;
  cookie: bigint;
  offset: number;
  length: number;
}

export interface SimpleReplyHeader {
  magic: number;
  error: number;
  cookie: bigint;
}

export interface OptionReplyHeader {
  magic: bigint;
  option: number;
  type: number;
  length: number;
}

export function encodeHandshake(flags: number): Buffer {
  const b = Buffer.alloc(HANDSHAKE_SIZE);
  b.writeBigUInt64BE(NBDMAGIC, 0);
  b.writeBigUInt64BE(IHAVEOPT, 8);
  b.writeUInt16BE(flags, 16);
  return b;
}

export function decodeHandshake(b: Buffer): { magic: bigint; optMagic: bigint; flags: number } {
  return { magic: b.readBigUInt64BE(0), optMagic: b.readBigUInt64BE(8), flags: b.readUInt16BE(16) };
}

export function encodeOption(option: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(OPTION_HEADER_SIZE + data.length);
  b.writeBigUInt64BE(IHAVEOPT, 0);
  b.writeUInt32BE(option, 8);
  b.writeUInt32BE(data.length, 12);
  data.copy(b, OPTION_HEADER_SIZE);
  return b;
}

export function decodeOptionHeader(b: Buffer, at = 0): OptionHeader {
  return { magic: b.readBigUInt64BE(at), option: b.readUInt32BE(at + 8), length: b.readUInt32BE(at + 12) };
}

export function encodeOptionReply(option: number, type: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(OPTION_REPLY_HEADER_SIZE + data.length);
  b.writeBigUInt64BE(OPTION_REPLY_MAGIC, 0);
  b.writeUInt32BE(option, 8);
  b.writeUInt32BE(type, 12);
  b.writeUInt32BE(data.length, 16);
  data.copy(b, OPTION_REPLY_HEADER_SIZE);
  return b;
}

export function decodeOptionReplyHeader(b: Buffer, at = 0): OptionReplyHeader {
  return {
    magic: b.readBigUInt64BE(at),
    option: b.readUInt32BE(at + 8),
    type: b.readUInt32BE(at + 12),
    length: b.readUInt32BE(at + 16),
  };
}

/** Payload of NBD_INFO_EXPORT: u16 info type, u64 size, u16 transmission flags. */
export function encodeInfoExport(size: number, txFlags: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(Info.EXPORT, 0);
  b.writeBigUInt64BE(BigInt(size), 2);
  b.writeUInt16BE(txFlags, 10);
  return b;
}

/** Payload of an NBD_REP_SERVER reply to LIST: u32 name length, then the name. */
export function encodeServerReply(name: string): Buffer {
  const n = Buffer.from(name, "utf8");
  const b = Buffer.alloc(4 + n.length);
  b.writeUInt32BE(n.length, 0);
  n.copy(b, 4);
  return b;
}

/** The payload of INFO and GO: u32 name length, name, u16 count, count × u16 info requests. */
export function encodeGoPayload(name: string, infos: number[] = []): Buffer {
  const n = Buffer.from(name, "utf8");
  const b = Buffer.alloc(4 + n.length + 2 + 2 * infos.length);
  b.writeUInt32BE(n.length, 0);
  n.copy(b, 4);
  b.writeUInt16BE(infos.length, 4 + n.length);
  for (const [i, info] of infos.entries()) b.writeUInt16BE(info, 6 + n.length + 2 * i);
  return b;
}

/** Parses an INFO/GO payload; undefined when its lengths don't add up. */
export function decodeGoPayload(b: Buffer): { name: string; infos: number[] } | undefined {
  if (b.length < 6) return undefined;
  const nameLength = b.readUInt32BE(0);
  if (4 + nameLength + 2 > b.length) return undefined;
  const count = b.readUInt16BE(4 + nameLength);
  if (6 + nameLength + 2 * count !== b.length) return undefined;
  const infos: number[] = [];
  for (let i = 0; i < count; i++) infos.push(b.readUInt16BE(6 + nameLength + 2 * i));
  return { name: b.toString("utf8", 4, 4 + nameLength), infos };
}

/** The reply to the legacy EXPORT_NAME option: u64 size, u16 flags, then 124 zero bytes unless NO_ZEROES. */
export function encodeExportNameReply(size: number, txFlags: number, noZeroes: boolean): Buffer {
  const b = Buffer.alloc(noZeroes ? 10 : 134);
  b.writeBigUInt64BE(BigInt(size), 0);
  b.writeUInt16BE(txFlags, 8);
  return b;
}

export function encodeRequest(r: Omit<RequestHeader, "magic">): Buffer {
  const b = Buffer.alloc(REQUEST_HEADER_SIZE);
  b.writeUInt32BE(REQUEST_MAGIC, 0);
  b.writeUInt16BE(r.flags, 4);
  b.writeUInt16BE(r.type, 6);
  b.writeBigUInt64BE(r.cookie, 8);
  b.writeBigUInt64BE(BigInt(r.offset), 16);
  b.writeUInt32BE(r.length, 24);
  return b;
}

/**
 * Decodes a request header. Offsets beyond 2^53 come back as Infinity-free but imprecise
 * numbers; they are far past any export size, so the bounds check still rejects them.
 */
export function decodeRequestHeader(b: Buffer, at = 0): RequestHeader {
  return {
    magic: b.readUInt32BE(at),
    flags: b.readUInt16BE(at + 4),
    type: b.readUInt16BE(at + 6),
    cookie: b.readBigUInt64BE(at + 8),
    offset: Number(b.readBigUInt64BE(at + 16)),
    length: b.readUInt32BE(at + 24),
  };
}

export function encodeSimpleReply(error: number, cookie: bigint): Buffer {
  const b = Buffer.alloc(SIMPLE_REPLY_HEADER_SIZE);
  b.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
  b.writeUInt32BE(error, 4);
  b.writeBigUInt64BE(cookie, 8);
  return b;
}

export function decodeSimpleReplyHeader(b: Buffer, at = 0): SimpleReplyHeader {
  return { magic: b.readUInt32BE(at), error: b.readUInt32BE(at + 4), cookie: b.readBigUInt64BE(at + 8) };
}

/** Human-readable name of an NBD error number, for messages. */
export function errnoName(code: number): string {
  return Object.entries(Errno).find(([, v]) => v === code)?.[0] ?? `errno ${code}`;
}
