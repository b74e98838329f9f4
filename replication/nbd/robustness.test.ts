/** Hostile and broken clients: the server answers or disconnects, never crashes, and keeps serving. */
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ByteReader } from "./byte-reader.ts";
import { NbdClient } from "./client.ts";
import {
  ClientFlag,
  Cmd,
  decodeOptionReplyHeader,
  decodeSimpleReplyHeader,
  Errno,
  encodeGoPayload,
  encodeOption,
  encodeRequest,
  HANDSHAKE_SIZE,
  OPTION_REPLY_HEADER_SIZE,
  Opt,
  Rep,
  SIMPLE_REPLY_HEADER_SIZE,
} from "./protocol.ts";
import { startTestServer, type TestNbdServer } from "./test-support.ts";

const KiB = 1024;
const MAX_REQUEST = 256 * KiB;
let t: TestNbdServer;

beforeEach(async () => {
  t = await startTestServer({ maxRequestBytes: MAX_REQUEST, handshakeTimeoutMs: 500 });
  await t.addFileExport("disk", 1024 * KiB);
});
afterEach(async () => {
  await t.stop();
});

/** A raw TCP session that has already read the server's greeting. */
async function rawSession(): Promise<{ socket: Socket; reader: ByteReader; closed: Promise<void> }> {
  const socket = connect({ host: t.host, port: t.port });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const reader = new ByteReader(socket);
  await reader.read(HANDSHAKE_SIZE);
  return { socket, reader, closed };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** Opens a raw session in transmission phase on "disk". */
async function rawTransmission() {
  const s = await rawSession();
  s.socket.write(
    Buffer.concat([
      u32(ClientFlag.FIXED_NEWSTYLE | ClientFlag.NO_ZEROES),
      encodeOption(Opt.GO, encodeGoPayload("disk")),
    ]),
  );
  for (;;) {
    const h = decodeOptionReplyHeader(await s.reader.read(OPTION_REPLY_HEADER_SIZE));
    await s.reader.read(h.length);
    if (h.type === Rep.ACK) return s;
  }
}

async function readReply(reader: ByteReader) {
  return decodeSimpleReplyHeader(await reader.read(SIMPLE_REPLY_HEADER_SIZE));
}

/** The server still serves a well-behaved client. */
async function expectHealthy(): Promise<void> {
  const client = await NbdClient.connect({ host: t.host, port: t.port, exportName: "disk" });
  const data = randomBytes(8 * KiB);
  await client.write(4 * KiB, data);
  expect((await client.read(4 * KiB, data.length)).equals(data)).toBe(true);
  await client.disconnect();
}

async function waitForNoConnections(): Promise<void> {
  for (let i = 0; i < 200 && t.server.counters().connectionsActive > 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  expect(t.server.counters().connectionsActive).toBe(0);
}

describe("NBD server robustness", () => {
  it("disconnects a client that sends garbage instead of its flags", async () => {
    const s = await rawSession();
    s.socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await s.closed;
    expect(t.server.counters().protocolErrorsTotal).toBe(1);
    await expectHealthy();
  });

  it("disconnects non-fixed-newstyle clients and silent ones after the handshake timeout", async () => {
    const nonFixed = await rawSession();
    nonFixed.socket.write(u32(0));
    await nonFixed.closed;
    const silent = await rawSession();
    await silent.closed;
    expect(t.server.counters().protocolErrorsTotal).toBe(2);
    await expectHealthy();
  });

  it("answers unknown options and STARTTLS with ERR_UNSUP and continues the session", async () => {
    const s = await rawSession();
    s.socket.write(
      Buffer.concat([
        u32(ClientFlag.FIXED_NEWSTYLE | ClientFlag.NO_ZEROES),
        encodeOption(42, Buffer.from("xyz")),
        encodeOption(Opt.STARTTLS),
        encodeOption(Opt.GO, Buffer.from([1, 2])),
      ]),
    );
    const unknown = decodeOptionReplyHeader(await s.reader.read(OPTION_REPLY_HEADER_SIZE));
    expect(unknown).toMatchObject({ option: 42, type: Rep.ERR_UNSUP, length: 0 });
    const tls = decodeOptionReplyHeader(await s.reader.read(OPTION_REPLY_HEADER_SIZE));
    expect(tls).toMatchObject({ option: Opt.STARTTLS, type: Rep.ERR_UNSUP });
    const badGo = decodeOptionReplyHeader(await s.reader.read(OPTION_REPLY_HEADER_SIZE));
    expect(badGo).toMatchObject({ option: Opt.GO, type: Rep.ERR_INVALID });
    s.socket.write(encodeOption(Opt.ABORT));
    const ack = decodeOptionReplyHeader(await s.reader.read(OPTION_REPLY_HEADER_SIZE));
    expect(ack).toMatchObject({ option: Opt.ABORT, type: Rep.ACK });
    await s.closed;
  });

  it("serves the legacy EXPORT_NAME option and closes on an unknown name", async () => {
    const s = await rawSession();
    s.socket.write(Buffer.concat([u32(ClientFlag.FIXED_NEWSTYLE), encodeOption(Opt.EXPORT_NAME, Buffer.from("disk"))]));
    const reply = await s.reader.read(134);
    expect(Number(reply.readBigUInt64BE(0))).toBe(1024 * KiB);
    expect(reply.subarray(10).equals(Buffer.alloc(124))).toBe(true);
    s.socket.write(encodeRequest({ flags: 0, type: Cmd.READ, cookie: 9n, offset: 0, length: 512 }));
    expect(await readReply(s.reader)).toMatchObject({ cookie: 9n, error: Errno.OK });
    s.socket.destroy();
    const unknown = await rawSession();
    unknown.socket.write(
      Buffer.concat([u32(ClientFlag.FIXED_NEWSTYLE), encodeOption(Opt.EXPORT_NAME, Buffer.from("x"))]),
    );
    await unknown.closed;
  });

  it("rejects oversize requests with EINVAL, discarding an announced payload, and keeps serving", async () => {
    const s = await rawTransmission();
    const big = MAX_REQUEST + 4096;
    s.socket.write(encodeRequest({ flags: 0, type: Cmd.WRITE, cookie: 1n, offset: 0, length: big }));
    s.socket.write(Buffer.alloc(big, 0xee));
    s.socket.write(encodeRequest({ flags: 0, type: Cmd.READ, cookie: 2n, offset: 0, length: big }));
    s.socket.write(encodeRequest({ flags: 0, type: Cmd.READ, cookie: 3n, offset: 2 ** 40, length: 512 }));
    s.socket.write(encodeRequest({ flags: 0, type: 99, cookie: 4n, offset: 0, length: 512 }));
    s.socket.write(encodeRequest({ flags: 0, type: Cmd.READ, cookie: 5n, offset: 0, length: 512 }));
    expect(await readReply(s.reader)).toMatchObject({ cookie: 1n, error: Errno.EINVAL });
    expect(await readReply(s.reader)).toMatchObject({ cookie: 2n, error: Errno.EINVAL });
    expect(await readReply(s.reader)).toMatchObject({ cookie: 3n, error: Errno.EINVAL });
    expect(await readReply(s.reader)).toMatchObject({ cookie: 4n, error: Errno.EINVAL });
    expect(await readReply(s.reader)).toMatchObject({ cookie: 5n, error: Errno.OK });
    // The discarded payload never reached the image.
    expect((await s.reader.read(512)).equals(Buffer.alloc(512))).toBe(true);
    s.socket.write(encodeRequest({ flags: 0, type: Cmd.DISC, cookie: 6n, offset: 0, length: 0 }));
    await s.closed;
  });

  it("survives a client vanishing mid-payload and a bad request magic", async () => {
    const s = await rawTransmission();
    s.socket.write(encodeRequest({ flags: 0, type: Cmd.WRITE, cookie: 1n, offset: 0, length: 64 * KiB }));
    s.socket.write(Buffer.alloc(1000));
    s.socket.destroy();
    const bad = await rawTransmission();
    bad.socket.write(Buffer.alloc(28, 0x41));
    await bad.closed;
    await waitForNoConnections();
    await expectHealthy();
  });

  it("stays up through a few hundred random and mutated byte streams", async () => {
    const handshake = Buffer.concat([
      u32(ClientFlag.FIXED_NEWSTYLE | ClientFlag.NO_ZEROES),
      encodeOption(Opt.LIST),
      encodeOption(Opt.INFO, encodeGoPayload("disk", [0, 1, 2, 3])),
      encodeOption(Opt.GO, encodeGoPayload("disk")),
    ]);
    const requests = Buffer.concat([
      encodeRequest({ flags: 1, type: Cmd.WRITE, cookie: 1n, offset: 4096, length: 512 }),
      Buffer.alloc(512, 7),
      encodeRequest({ flags: 0, type: Cmd.READ, cookie: 2n, offset: 0, length: 4096 }),
      encodeRequest({ flags: 0, type: Cmd.FLUSH, cookie: 3n, offset: 0, length: 0 }),
      encodeRequest({ flags: 0, type: Cmd.WRITE_ZEROES, cookie: 4n, offset: 8192, length: 4096 }),
      encodeRequest({ flags: 0, type: Cmd.TRIM, cookie: 5n, offset: 8192, length: 4096 }),
      encodeRequest({ flags: 0, type: Cmd.DISC, cookie: 6n, offset: 0, length: 0 }),
    ]);
    const valid = Buffer.concat([handshake, requests]);
    /** Overwrites a few bytes at deterministic pseudo-random positions at or after `from`. */
    const mutate = (i: number, from: number) => {
      const out = Buffer.from(valid);
      for (let k = 0; k < 1 + (i % 6); k++)
        out[from + ((i * 7919 + k * 104729) % (out.length - from))] = (i * 31 + k) & 0xff;
      return out;
    };
    const cases: Buffer[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = i % 4;
      if (kind === 0) cases.push(randomBytes(1 + (i % 200)));
      else if (kind === 1) cases.push(mutate(i, 0));
      else if (kind === 2) cases.push(mutate(i, handshake.length));
      else cases.push(valid.subarray(0, (i * 13) % valid.length));
    }
    const runCase = (bytes: Buffer) =>
      new Promise<void>((resolve) => {
        const socket = connect({ host: t.host, port: t.port }, () => socket.end(bytes));
        socket.on("data", () => {});
        socket.on("error", () => {});
        socket.on("close", () => resolve());
      });
    for (let i = 0; i < cases.length; i += 20) await Promise.all(cases.slice(i, i + 20).map(runCase));
    await waitForNoConnections();
    expect(t.server.counters().connectionsTotal).toBe(300);
    await expectHealthy();
  });
});
