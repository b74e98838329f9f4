/**
 * Shared by the NBD tests and the NBD benchmark: an `NbdServer` over file-backed exports in a
 * temporary directory, and a runner for the external NBD tools that names the Debian package
 * when a tool is missing.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../lib/log.ts";
import type { LogLevel } from "../../lib/log-levels.ts";
import type { NbdExportBackend } from "./backend.ts";
import { FileBackend } from "./file-backend.ts";
import { NbdServer } from "./server.ts";

/** Debian package of each external tool the tests and benchmarks run. */
export const TOOL_PACKAGES: Record<string, string> = {
  nbdinfo: "libnbd-bin",
  nbdcopy: "libnbd-bin",
  "qemu-io": "qemu-utils",
  "qemu-img": "qemu-utils",
  fio: "fio",
  nbdkit: "nbdkit",
  cmp: "diffutils",
};

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a tool to completion (killing it after `timeoutMs`); a missing binary throws naming its package. */
export function runTool(tool: string, args: string[], timeoutMs = 60_000): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      if (e?.code === "ENOENT") {
        reject(new Error(`${tool} not found: install the Debian package ${TOOL_PACKAGES[tool] ?? "providing it"}`));
      } else if (e?.killed) {
        reject(new Error(`${tool} ${args.join(" ")} timed out after ${timeoutMs} ms`));
      } else {
        resolve({ code: typeof e?.code === "number" ? e.code : e ? 1 : 0, stdout, stderr });
      }
    });
  });
}

/** Runs a tool and fails with its stderr unless it exits 0. */
export async function runToolOk(tool: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await runTool(tool, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${tool} ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

export interface TestNbdServer {
  server: NbdServer;
  host: string;
  port: number;
  dir: string;
  backends: Map<string, NbdExportBackend>;
  uri(name: string): string;
  /** Adds a file-backed export (file `<dir>/<name>.img`). */
  addFileExport(name: string, size: number, readOnly?: boolean): Promise<FileBackend>;
  stop(): Promise<void>;
}

/** Starts a server on a free loopback port with no exports yet; `stop()` removes its directory. */
export async function startTestServer(
  options: { maxRequestBytes?: number; handshakeTimeoutMs?: number; logLevel?: LogLevel } = {},
): Promise<TestNbdServer> {
  const dir = await mkdtemp(join(tmpdir(), "rpowatch-nbd-"));
  const backends = new Map<string, NbdExportBackend>();
  const files: FileBackend[] = [];
  const server = new NbdServer({
    lookup: (name) => backends.get(name),
    list: () => [...backends.keys()],
    logger: createLogger(options.logLevel ?? "silent"),
    maxRequestBytes: options.maxRequestBytes,
    handshakeTimeoutMs: options.handshakeTimeoutMs,
  });
  const { host, port } = await server.listen("127.0.0.1", 0);
  return {
    server,
    host,
    port,
    dir,
    backends,
    uri: (name) => `nbd://${host}:${port}/${name}`,
    async addFileExport(name, size, readOnly = false) {
      const path = join(dir, `${name}.img`);
      if (readOnly) await (await FileBackend.open({ name, path, size })).close();
      const backend = await FileBackend.open({ name, path, size, readOnly });
      files.push(backend);
      backends.set(name, backend);
      return backend;
    },
    async stop() {
      await server.close();
      await Promise.all(files.map((f) => f.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
