/**
 * `rpowatch recover` and `rpowatch drills` without --site or RPOWATCH_SITE reach the recovery site
 * of the `rpowatch start` stack running in the same directory (the note it keeps in its data
 * directory, var/stack/ by default), and say clearly when no stack runs there: none started, or
 * one killed without removing its note.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExitCode } from "../../lib/exit-codes.ts";
import { type ServiceProcess, spawnService, waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

const BIN = new URL("../../bin/rpowatch.js", import.meta.url).pathname;

let dir: string;
let stack: ServiceProcess | undefined;

/** Runs the CLI in `cwd` with no RPOWATCH_SITE in its environment. */
function rpowatch(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { RPOWATCH_SITE: _, ...env } = process.env;
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = await makeTempDir("site-default");
  // The stack's data directory is the default one, relative to where it runs, as with `npm start`.
  await writeFile(
    join(dir, "stack.yaml"),
    'exporter: { listen: "127.0.0.1:0" }\ncollector: { rateWindow: 5s }\nembedded: { groups: 1, volumesPerGroup: 1, volumeSize: 16MiB, rate: 64KiB }\n',
  );
});

afterAll(async () => {
  await stack?.stop();
  await removeTempDir(dir);
});

describe("the default --site of recover and drills", () => {
  it("refuses with a usage error naming what to do when no stack runs here", async () => {
    const r = await rpowatch(dir, "recover", "points", "--group", "g1");
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toContain("no site given: pass --site URL (or set RPOWATCH_SITE)");
    expect(r.stderr).toContain(`no rpowatch start stack is running here (var/stack/running-stack.json does not exist)`);
  });

  it("reaches the recovery site of the rpowatch start stack running here", async () => {
    stack = spawnService({
      name: "rpowatch start",
      command: process.execPath,
      args: [BIN, "--log-level", "warn", "start", "--config", "stack.yaml"],
      cwd: dir,
      stopSignal: "SIGINT",
      graceMs: 15_000,
    });
    const recovery = await waitFor(
      () => /engine site dr \(recovery\): control (http:\/\/\S+),/.exec(stack!.output())?.[1],
      {
        timeoutMs: 90_000,
        what: "rpowatch start to print the recovery site's control address",
        process: stack,
      },
    );
    await waitFor(() => stack!.output().includes("alert evaluator:"), {
      timeoutMs: 60_000,
      what: "rpowatch start to serve",
      process: stack,
    });
    const points = await waitFor(
      async () => {
        const r = await rpowatch(dir, "recover", "points", "--group", "g1", "--json");
        return r.code === 0 ? (JSON.parse(r.stdout) as { group: string }) : undefined;
      },
      { timeoutMs: 60_000, what: "recover points to answer from the stack's recovery site" },
    );
    expect(points.group).toBe("g1");
    // The same answer as the recovery site gives when named.
    const named = await rpowatch(dir, "drills", "list", "--json", "--site", recovery);
    const found = await rpowatch(dir, "drills", "list", "--json");
    expect(found.code).toBe(0);
    expect(JSON.parse(found.stdout)).toEqual(JSON.parse(named.stdout));
  });

  it("says the stack is gone when it was killed and left its note behind", async () => {
    process.kill(stack!.pid, "SIGKILL");
    await stack!.stop();
    const r = await rpowatch(dir, "drills", "list");
    expect(r.code).toBe(ExitCode.usage);
    expect(r.stderr).toMatch(
      new RegExp(
        `the rpowatch start stack that wrote var/stack/running-stack\\.json \\(pid ${stack!.pid}\\) is no longer running`,
      ),
    );
  });
});
