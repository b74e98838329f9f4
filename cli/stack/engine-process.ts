/** Runs one engine site as a child process of `rpowatch start`, logging to a file. */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { packagePath } from "../../lib/package-root.ts";
import { type EngineListening, findListening } from "./engine-listening.ts";
import type { EmbeddedSite } from "./site-files.ts";

const BIN = packagePath("bin/rpowatch.js");

export interface EngineProcess {
  site: EmbeddedSite;
  /** Where the site listens (it binds free ports and prints them). */
  listening: EngineListening;
  controlUrl: string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.split("\n").slice(-15).join("\n");
}

/** Starts the site and waits until it prints the addresses it serves on. */
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
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let running = true;
  void exited.then(() => {
    running = false;
  });

  const deadline = Date.now() + readyTimeoutMs;
  let listening = findListening(stdout);
  while (!listening) {
    if (!running)
      throw new Error(
        `engine site ${site.name} exited during start-up; log ${site.logFile}:\n${await logTail(site.logFile)}`,
      );
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(
        `engine site ${site.name} did not start serving within ${readyTimeoutMs} ms; log:\n${await logTail(site.logFile)}`,
      );
    }
    await sleep(100);
    listening = findListening(stdout);
  }

  return {
    site,
    listening,
    controlUrl: `http://${listening.control}`,
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
