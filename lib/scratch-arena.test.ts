import { describe, expect, it } from "vitest";
import { ScratchArena } from "./scratch-arena.ts";

// Sizes above Buffer's 4 KiB pool threshold, so every separate allocation has its own ArrayBuffer.
const KiB = 1024;

describe("scratch arena", () => {
  it("carves adjacent, disjoint buffers from one allocation and reuses it for the next unit of work", () => {
    const arena = new ScratchArena();
    arena.begin(24 * KiB);
    const a = arena.take(8 * KiB).fill(1);
    const b = arena.take(16 * KiB).fill(2);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + a.length);
    expect(a.every((x) => x === 1) && b.every((x) => x === 2)).toBe(true);
    arena.begin(24 * KiB);
    expect(arena.take(8 * KiB).buffer).toBe(a.buffer);
  });

  it("hands out a separate buffer beyond what the unit announced, and grows for a larger unit", () => {
    const arena = new ScratchArena();
    arena.begin(8 * KiB);
    const first = arena.take(8 * KiB);
    const extra = arena.take(8 * KiB);
    expect(extra.buffer).not.toBe(first.buffer);
    arena.begin(32 * KiB);
    const grown = arena.take(32 * KiB);
    expect(grown.length).toBe(32 * KiB);
    expect(grown.buffer).not.toBe(first.buffer);
  });
});
