/** Link building blocks: framing rejects garbage, auth proofs are mutual and key-bound, schedules wrap midnight. */
import { describe, expect, it } from "vitest";
import { newNonce, proof, verifyProof } from "./link/auth.ts";
import { compressBatch, decompressBatch } from "./link/codec.ts";
import {
  encodeFrame,
  FrameReader,
  FrameType,
  MAX_FRAME_BYTES,
  MAX_HANDSHAKE_FRAME_BYTES,
  ProtocolError,
} from "./link/framing.ts";
import { effectiveLimit } from "./link/schedule.ts";

describe("FrameReader", () => {
  it("reassembles frames split at any byte", () => {
    const a = encodeFrame(FrameType.heartbeat, Buffer.from('{"x":1}'));
    const b = encodeFrame(FrameType.ack, Buffer.alloc(70_000, 7));
    const all = Buffer.concat([a, b]);
    const reader = new FrameReader(MAX_FRAME_BYTES);
    const frames = [];
    for (let i = 0; i < all.length; i += 999) frames.push(...reader.push(all.subarray(i, i + 999)));
    expect(frames.map((f) => [f.type, f.payload.length])).toEqual([
      [FrameType.heartbeat, 7],
      [FrameType.ack, 70_000],
    ]);
  });

  it("refuses unknown types and oversized lengths", () => {
    expect(() => new FrameReader().push(Buffer.from([0, 0, 0, 1, 200]))).toThrow(ProtocolError);
    const head = (length: number) => {
      const b = Buffer.alloc(5);
      b.writeUInt32BE(length, 0);
      b[4] = FrameType.batch;
      return b;
    };
    expect(() => new FrameReader(MAX_FRAME_BYTES).push(head(MAX_FRAME_BYTES + 1))).toThrow(/out of range/);
    expect(new FrameReader(MAX_FRAME_BYTES).push(head(MAX_FRAME_BYTES))).toEqual([]);
  });

  it("holds an unauthenticated peer to handshake-sized frames", () => {
    const reader = new FrameReader();
    expect(reader.maxFrameBytes).toBe(MAX_HANDSHAKE_FRAME_BYTES);
    const big = encodeFrame(FrameType.hello, Buffer.alloc(MAX_HANDSHAKE_FRAME_BYTES));
    expect(() => reader.push(big.subarray(0, 5))).toThrow(/out of range/);
  });
});

describe("PSK challenge-response", () => {
  it("accepts the right key and refuses a wrong key, a reflected proof and garbage", () => {
    const prodNonce = newNonce();
    const recNonce = newNonce();
    const fromRecovery = proof("k1", "recovery", recNonce, prodNonce);
    expect(verifyProof("k1", "recovery", recNonce, prodNonce, fromRecovery)).toBe(true);
    expect(verifyProof("k2", "recovery", recNonce, prodNonce, fromRecovery)).toBe(false);
    // The recovery site's proof is useless as a production proof (role label), and on another connection.
    expect(verifyProof("k1", "production", prodNonce, recNonce, fromRecovery)).toBe(false);
    expect(verifyProof("k1", "recovery", recNonce, newNonce(), fromRecovery)).toBe(false);
    expect(verifyProof("k1", "recovery", recNonce, prodNonce, "zz")).toBe(false);
    expect(verifyProof("k1", "recovery", recNonce, prodNonce, 42)).toBe(false);
  });
});

describe("batch codec", () => {
  it("round-trips lz4 and zstd, and sends incompressible data raw", async () => {
    const text = Buffer.from("replicated block ".repeat(4096));
    for (const codec of ["lz4", "zstd"] as const) {
      // Parts (record header, data) are compressed as one batch.
      const packed = await compressBatch([text.subarray(0, 50), text.subarray(50)], codec);
      expect(packed.code).not.toBe(0);
      expect(packed.data).toHaveLength(1);
      expect(packed.data[0]!.length).toBeLessThan(text.length / 4);
      expect((await decompressBatch(packed.code, packed.data[0]!, text.length)).equals(text)).toBe(true);
    }
    const noise = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 2654435761) >>> 24));
    const raw = await compressBatch([noise], "lz4");
    expect(raw.code === 0 || Buffer.concat(raw.data).length < noise.length).toBe(true);
    await expect(decompressBatch(1, Buffer.from("not lz4 at all"), 100)).rejects.toThrow(ProtocolError);
  });

  it("never decodes more than the header's rawLength, which the frame limit bounds", async () => {
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const lz4 = (await compressBatch([zeros], "lz4")).data[0]!;
    const zstd = (await compressBatch([zeros], "zstd")).data[0]!;
    // Honest sizes decode; a header claiming less than the block holds is refused before decoding.
    expect((await decompressBatch(1, lz4, zeros.length)).length).toBe(zeros.length);
    expect((await decompressBatch(2, zstd, zeros.length)).length).toBe(zeros.length);
    await expect(decompressBatch(1, lz4, 1000)).rejects.toThrow(/declares 4194304 bytes, header says 1000/);
    await expect(decompressBatch(2, zstd, 1000)).rejects.toThrow(/Destination buffer is too small/);
    await expect(decompressBatch(0, zeros, MAX_FRAME_BYTES + 1)).rejects.toThrow(/out of range/);
    await expect(decompressBatch(1, lz4, -1)).rejects.toThrow(/out of range/);
  });
});

describe("time-of-day limits", () => {
  const windows = [
    { from: "08:00", to: "18:00", limit: 1000 },
    { from: "22:00", to: "02:00", limit: 5000 },
  ];
  const at = (h: number, m = 0) => new Date(2026, 0, 5, h, m);

  it("picks the window containing local time, wrapping midnight, else the base limit", () => {
    expect(effectiveLimit(0, windows, at(9))).toBe(1000);
    expect(effectiveLimit(0, windows, at(18))).toBe(0);
    expect(effectiveLimit(0, windows, at(23, 30))).toBe(5000);
    expect(effectiveLimit(0, windows, at(1, 59))).toBe(5000);
    expect(effectiveLimit(7, windows, at(3))).toBe(7);
  });
});
