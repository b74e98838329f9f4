/** A site file with errors is refused at start: exit code 3 and every error with its path and reason. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../lib/exit-codes.ts";
import { runTool } from "../../replication/nbd/test-support.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

const BIN = join(import.meta.dirname, "../../bin/rpowatch.js");

describe("rpowatch engine with a bad config", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir("engine-config");
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it("exits 3 and names each bad field", async () => {
    const file = join(dir, "bad.yaml");
    writeFileSync(
      file,
      [
        "site: prod-a",
        "role: production",
        `dataDir: ${dir}`,
        'control: { listen: "127.0.0.1:notaport" }',
        "link:",
        '  peer: "127.0.0.1:9"',
        "  psk: { env: X }",
        "  compression: brotli",
        "groups:",
        "  - name: g1",
        "    volumes: [ { name: vol1, size: 1000 } ]",
      ].join("\n"),
    );
    const r = await runTool(process.execPath, [BIN, "engine", "--config", file]);
    expect(r.code).toBe(ExitCode.config);
    const text = r.stderr;
    expect(text).toMatch(/control\.listen: expected host:port/);
    expect(text).toMatch(/link\.compression: /);
    expect(text).toMatch(/groups\.0\.volumes\.0\.size: volume size must be a positive multiple of 4096/);
  });

  it("checks fields against the role", async () => {
    const file = join(dir, "role.yaml");
    writeFileSync(
      file,
      [
        "site: prod-a",
        "role: production",
        `dataDir: ${dir}`,
        'control: { listen: "127.0.0.1:0" }',
        "link: { psk: { env: X } }",
        "groups: [ { name: g1, volumes: [ { name: vol1, size: 1MiB } ] } ]",
      ].join("\n"),
    );
    const r = await runTool(process.execPath, [BIN, "engine", "--config", file]);
    expect(r.code).toBe(ExitCode.config);
    expect(r.stderr).toMatch(/nbd: a production site needs nbd\.listen/);
    expect(r.stderr).toMatch(/link\.peer: a production site needs link\.peer/);
  });
});
