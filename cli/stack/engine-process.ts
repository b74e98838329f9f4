/** Runs one engine site as a child process of `rpowatch start`, logging to a file. */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { packagePath } from "../../lib/package-root.ts";
import type { EmbeddedSite } from "./site-files.ts";

const BIN = packagePath("bin/rpowatch.js");

export interface EngineProcess {
  site: EmbeddedSite;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").slice(-15).join("\n");
}

/** Starts the site and waits until its control API answers `GET /status`. */
export async function startEngine(
  site: EmbeddedSite,
  logLevel: string,
  readyTimeoutMs = 30_000,
): Promise<EngineProcess> {
  const log = createWriteStream(site.logFile, { flags: "a" });
  // Standard input stays open for the child's lifetime: when this process dies, even by SIGKILL,
  // the pipe closes and the site shuts itself down instead of lingering.
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, "--log-level", logLevel, "engine", "--stop-with-stdin", "--config", site.configFile],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (!running)
      throw new Error(
        `engine site ${site.name} exited during start-up; log ${site.logFile}:\n${await logTail(site.logFile)}`,
      );
    const ok = await fetch(`${site.controlUrl}/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(
        `engine site ${site.name} did not answer ${site.controlUrl}/status within ${readyTimeoutMs} ms; log:\n${await logTail(site.logFile)}`,
      );
    }
    await sleep(200);
  }

  return {
    site,
    exited,
    async stop() {
      if (!running) return;
      child.kill("SIGTERM");
      // Unref'd: once the child has exited, the grace timer must not keep `rpowatch start` alive for 10 s.
      const grace = sleep(10_000, true, { ref: false });
      const timedOut = await Promise.race([exited.then(() => false), grace]);
      if (timedOut) {
        child.kill("SIGKILL");
        await exited;
      }
      log.end();
    },
  };
}
