import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = new URL("../../bin/rpowatch.js", import.meta.url).pathname;

const MODULE_TRACE = new URL("./support/module-trace.mjs", import.meta.url).pathname;

function rpowatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run([BIN, ...args]);
}

function run(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, argv, { env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rpowatch-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("rpowatch CLI", () => {
  it("lists its subcommands in --help and exits 0", async () => {
    const { code, stdout } = await rpowatch("--help");
    expect(code).toBe(0);
    for (const sub of ["check-config", "bench", "generate"]) expect(stdout).toContain(sub);
  });

  it("runs the compiled build with production dependencies only, and --help loads no part beyond the CLI", async () => {
    const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    const trace = join(dir, "help-modules.txt");
    const { code, stdout, stderr } = await run(["--import", MODULE_TRACE, BIN, "--help"], {
      ...process.env,
      RPOWATCH_FORBIDDEN_PACKAGES: Object.keys(pkg.devDependencies).join(","),
      RPOWATCH_MODULE_TRACE: trace,
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: rpowatch");
    // What --help has to load: the CLI's own modules and commander; yaml comes with the dashboards
    // command's defaults (dashboards/provisioning.ts). No engine, collector, exporter or alerts.
    const loaded = (await readFile(trace, "utf8")).split("\n").filter((url) => url.startsWith("file:"));
    const packages = new Set(loaded.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
    expect([...packages].sort()).toEqual(["commander", "yaml"]);
    const parts = new Set(loaded.flatMap((url) => /\/dist\/([^/]+)\//.exec(url)?.[1] ?? []));
    for (const part of ["collector", "exporter", "alerts", "history", "reports"]) expect(parts).not.toContain(part);
    expect(loaded.filter((url) => url.includes("/dist/replication/"))).toEqual([
      expect.stringMatching(/replication\/workload\/profile\.js$/),
    ]);
  });

  it("exits 2 on an unknown subcommand or option", async () => {
    expect((await rpowatch("no-such-command")).code).toBe(2);
    expect((await rpowatch("check-config", "--no-such-option", "x")).code).toBe(2);
  });

  it("check-config accepts an empty stack file (every field has a default)", async () => {
    const file = join(dir, "empty.yaml");
    await writeFile(file, "");
    const { code, stdout } = await rpowatch("check-config", file);
    expect(code).toBe(0);
    expect(stdout).toContain("valid stack configuration");
  });

  it("check-config prints every error of a broken site file with path and line, and exits 3", async () => {
    const file = join(dir, "site.yaml");
    await writeFile(
      file,
      [
        "site: Prod!",
        "role: production",
        "dataDir: /tmp/x",
        "control: { listen: '127.0.0.1:99999' }",
        "link: { psk: 'inline-secret' }",
        "groups:",
        "  - name: g1",
        "    volumes: [{ name: v1, size: 1000 }]",
        "",
      ].join("\n"),
    );
    const { code, stderr } = await rpowatch("check-config", file);
    expect(code).toBe(3);
    expect(stderr).toMatch(/site\.yaml:1: site: site name must be/);
    expect(stderr).toMatch(/site\.yaml:4: control\.listen: port must be 0-65535/);
    expect(stderr).toMatch(/link\.psk/);
    expect(stderr).toMatch(/groups\.0\.volumes\.0\.size: volume size must be a positive multiple of 4096/);
    expect(stderr).not.toContain("inline-secret");
  });

  it("check-config applies the role's rules once the fields themselves are valid", async () => {
    const file = join(dir, "role.yaml");
    await writeFile(
      file,
      "site: prod\nrole: production\ndataDir: /tmp/x\ncontrol: { listen: '127.0.0.1:7801' }\nlink: { psk: { env: PSK } }\ngroups: [{ name: g1, volumes: [{ name: v1, size: 4096 }] }]\n",
    );
    const { code, stderr } = await rpowatch("check-config", file);
    expect(code).toBe(3);
    expect(stderr).toMatch(/nbd: a production site needs nbd\.listen/);
    expect(stderr).toMatch(/link\.peer: a production site needs link\.peer/);
  });

  it("check-config names a file it cannot read and exits 3", async () => {
    const { code, stderr } = await rpowatch("check-config", join(dir, "missing.yaml"));
    expect(code).toBe(3);
    expect(stderr).toMatch(/cannot read file/);
  });
});
