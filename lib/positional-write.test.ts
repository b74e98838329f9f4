import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { writeAllAt, writeAllAtSync } from "./positional-write.ts";

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
});
