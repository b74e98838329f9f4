/**
 * The example site files in docs/examples/ are ones an operator can start from: each passes
 * `rpowatch check-config`, and together they make a working pair (the same groups and volumes, the
 * production site's link peer is where the recovery site listens, the collector reads both sites'
 * control APIs).
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { packagePath } from "../../lib/package-root.ts";

const EXAMPLES = packagePath("docs/examples");
const BIN = packagePath("bin/rpowatch.js");

function checkConfig(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, "check-config", file], (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

const example = (name: string) => parse(readFileSync(join(EXAMPLES, name), "utf8"));

describe("docs/examples", () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml"));

  it("holds a production site, a recovery site and the collector's stack file", () => {
    expect(files.sort()).toEqual(["production-site.yaml", "recovery-site.yaml", "rpowatch.yaml"]);
  });

  it.each(files)("%s passes rpowatch check-config", async (file) => {
    const { code, stdout, stderr } = await checkConfig(join(EXAMPLES, file));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/valid (site|stack) configuration/);
  });

  it("make one working pair, monitored by the stack file", () => {
    const production = example("production-site.yaml");
    const recovery = example("recovery-site.yaml");
    const stack = example("rpowatch.yaml");
    expect([production.role, recovery.role]).toEqual(["production", "recovery"]);
    expect(production.groups).toEqual(recovery.groups);
    expect(production.link.peer).toBe(recovery.link.listen);
    const urls = stack.collector.sources.map((s: { url: string }) => s.url);
    expect(urls).toEqual([`http://${production.control.listen}`, `http://${recovery.control.listen}`]);
  });
});
