/**
 * `nbdkit file`, the C reference NBD server the benchmarks compare the engine's server with
 * (nbd.bench.ts: writes; recovery.bench.ts: sequential reads of the replica).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "../lib/ports.ts";
import { NbdClient } from "../replication/nbd/client.ts";

/** Starts `nbdkit file` in the foreground on a free port; resolves once it accepts NBD clients. */
export async function startNbdkit(
  path: string,
  options: { readOnly?: boolean } = {},
): Promise<{ uri: string; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    "nbdkit",
    ["-f", ...(options.readOnly ? ["-r"] : []), "-p", String(port), "-i", "127.0.0.1", "file", `file=${path}`],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
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
      await Promise.race([NbdClient.list({ host: "127.0.0.1", port }), exited]);
      return { uri: `nbd://127.0.0.1:${port}/`, process: child };
    } catch (err) {
      if (child.exitCode !== null || (err as Error).message.startsWith("nbdkit")) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill();
  throw new Error("nbdkit did not start listening within 5 s");
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
