import { type ChildProcess, execFile, spawn } from "node:child_process";

/** Bytes of combined stdout/stderr kept per process: enough for a useful tail in error messages. */
const OUTPUT_LIMIT = 64 * 1024;
const TAIL_CHARS = 4000;

export interface SpawnOptions {
  /** Short name used in error messages, e.g. "prometheus". */
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this user/group (the tests run as root; PostgreSQL refuses to). */
  uid?: number;
  gid?: number;
  /** Signal that asks the service to shut down; SIGKILL follows after `graceMs`. */
  stopSignal?: NodeJS.Signals;
  graceMs?: number;
  /** Every stdout chunk as text, for services whose output is their product (snmptrapd). */
  onStdout?: (text: string) => void;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** The last ~64 KiB of combined stdout and stderr. */
  output(): string;
  /** Exit code or signal once the process has ended, otherwise undefined. */
  exitStatus(): string | undefined;
  /** Stops the process (stop signal, then SIGKILL after the grace period); safe to call twice. */
  stop(): Promise<void>;
}

// Children still alive when the test worker exits are killed, so a crashed test leaves nothing behind.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

export function spawnService(opts: SpawnOptions): ServiceProcess {
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    uid: opts.uid,
    gid: opts.gid,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let buffer = "";
  const capture = (text: string) => {
    buffer += text;
    if (buffer.length > OUTPUT_LIMIT) buffer = buffer.slice(buffer.length - OUTPUT_LIMIT);
  };
  child.stdout!.setEncoding("utf8").on("data", (text: string) => {
    capture(text);
    opts.onStdout?.(text);
  });
  child.stderr!.setEncoding("utf8").on("data", capture);
  child.on("error", (err) => capture(`\n[spawn error] ${err.message}\n`));
  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("close", (code, signal) => {
      status = signal ? `signal ${signal}` : `exit code ${code}`;
      live.delete(child);
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (status !== undefined) return;
      child.kill(opts.stopSignal ?? "SIGTERM");
      const killTimer = setTimeout(() => child.kill("SIGKILL"), opts.graceMs ?? 5000);
      await exited;
      clearTimeout(killTimer);
    })();
    return stopping;
  };

  return {
    name: opts.name,
    pid: child.pid ?? -1,
    output: () => buffer,
    exitStatus: () => status,
    stop,
  };
}

export function outputTail(proc: ServiceProcess): string {
  const text = proc.output().trimEnd();
  return text.length > TAIL_CHARS ? `…${text.slice(-TAIL_CHARS)}` : text || "(no output)";
}

export interface WaitOptions {
  timeoutMs: number;
  /** What is awaited, for the error message, e.g. "prometheus /-/ready". */
  what: string;
  intervalMs?: number;
  /** Fail fast when this process ends, and append its output tail to any error. */
  process?: ServiceProcess;
}

/**
 * Polls `probe` until it returns a truthy value and returns that value. Exceptions from the probe
 * count as "not yet"; the last one is reported if the wait times out.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, opts: WaitOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    const status = opts.process?.exitStatus();
    const reason =
      status !== undefined
        ? `${opts.process!.name} ended (${status}) while waiting for ${opts.what}`
        : Date.now() >= deadline
          ? `timed out after ${opts.timeoutMs} ms waiting for ${opts.what}`
          : undefined;
    if (reason) {
      const last = lastError ? `\nlast error: ${(lastError as Error).message ?? String(lastError)}` : "";
      const tail = opts.process ? `\n${opts.process.name} output:\n${outputTail(opts.process)}` : "";
      throw new Error(`${reason}${last}${tail}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

/** Runs a one-shot command (initdb, openssl, amtool…) and returns its stdout; throws with its output on failure. */
export function runCommand(command: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: opts.cwd, env: opts.env, uid: opts.uid, gid: opts.gid, timeout: opts.timeoutMs ?? 60_000 },
      (err, stdout, stderr) => {
        if (err)
          reject(new Error(`${command} ${args.join(" ")} failed (${err.code ?? err.signal}):\n${stderr || stdout}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * Runs `body`; if it throws, runs `cleanup` before rethrowing. Start functions use it so a service
 * that never becomes ready is still stopped and its temp dir removed.
 */
export async function cleanupOnFailure<T>(cleanup: () => Promise<void>, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    await cleanup().catch(() => {});
    throw err;
  }
}
