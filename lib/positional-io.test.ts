import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { readAt, readInto, writeAllAt, writeAllAtSync } from "./positional-io.ts";

describe("positional gather writes", () => {
  let dir = "";
  afterEach(async () => {
    if (dir) await removeTempDir(dir);
  });

  it("write the parts, empty ones included, consecutively at the position, sync and async alike", async () => {
    dir = await makeTempDir("pwrite");
    const file = join(dir, "image");
    const fd = openSync(file, "w+");
    try {
      const parts = [Buffer.from("abc"), Buffer.alloc(0), Buffer.from("defg")];
      await writeAllAt(fd, parts, 2);
      writeAllAtSync(fd, [Buffer.from("XY"), Buffer.from("Z")], 10);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file)).toEqual(Buffer.from("\0\0abcdefg\0XYZ"));
  });

  it("read whole ranges, small ones on the calling thread and large ones on the pool; past the end reads as zeroes", async () => {
    dir = await makeTempDir("pread");
    const file = join(dir, "image");
    const large = Buffer.alloc(256 * 1024, 7);
    const fd = openSync(file, "w+");
    try {
      writeAllAtSync(fd, [Buffer.from("hello"), large], 0);
      expect(await readAt(fd, 5, 0)).toEqual(Buffer.from("hello"));
      expect(await readAt(fd, 5, 0, "pool")).toEqual(Buffer.from("hello"));
      expect(await readAt(fd, large.length, 5)).toEqual(large);
      const tail = Buffer.alloc(8, 0xff);
      expect(await readInto(fd, tail, 5 + large.length - 3)).toBe(3);
      expect(await readAt(fd, 8, 5 + large.length - 3)).toEqual(Buffer.from([7, 7, 7, 0, 0, 0, 0, 0]));
    } finally {
      closeSync(fd);
    }
  });
});
