/**
 * `nbdkit file`, the C reference NBD server the benchmarks compare the engine's server with
 * (nbd.bench.ts: writes; recovery.bench.ts: sequential reads of the replica, over TCP and over a
 * Unix domain socket).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { freePort } from "../lib/ports.ts";
import { nbdUnixUri } from "../replication/nbd/address.ts";
import { NbdClient } from "../replication/nbd/client.ts";

/**
 * Starts `nbdkit file` in the foreground on a free port, or on the Unix socket `unixSocket`;
 * resolves once it accepts NBD clients.
 */
export async function startNbdkit(
  path: string,
  options: { readOnly?: boolean; unixSocket?: string } = {},
): Promise<{ uri: string; process: ChildProcess }> {
  const { unixSocket } = options;
  const port = unixSocket ? 0 : await freePort();
  // nbdkit writes its pid file only once it listens: the readiness signal on a socket.
  const pidFile = unixSocket && `${unixSocket}.pid`;
  const where = unixSocket ? ["-U", unixSocket, "-P", pidFile!] : ["-p", String(port), "-i", "127.0.0.1"];
  const child = spawn("nbdkit", ["-f", ...(options.readOnly ? ["-r"] : []), ...where, "file", `file=${path}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (err) =>
      reject(
        (err as NodeJS.ErrnoException).code === "ENOENT"
          ? new Error("nbdkit not found: install the Debian package nbdkit")
          : err,
      ),
    );
    child.once("exit", (code) => reject(new Error(`nbdkit exited with ${code}: ${stderr.trim()}`)));
  });
  exited.catch(() => {});
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if (unixSocket) {
        if (existsSync(pidFile!)) return { uri: nbdUnixUri(unixSocket, ""), process: child };
        await Promise.race([new Promise((r) => setTimeout(r, 50)), exited]);
        continue;
      }
      await Promise.race([NbdClient.list({ host: "127.0.0.1", port }), exited]);
      return { uri: `nbd://127.0.0.1:${port}/`, process: child };
    } catch (err) {
      if (child.exitCode !== null || (err as Error).message.startsWith("nbdkit")) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill();
  throw new Error(`nbdkit did not start listening within 5 s${unixSocket ? ` on ${unixSocket}` : ""}`);
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
