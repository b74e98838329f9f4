/**
 * The note a running `rpowatch start` keeps in its data directory: its pid and each engine site's
 * name, role and control URL. `rpowatch recover` and `rpowatch drills` read it to reach the stack's
 * recovery site when neither --site nor RPOWATCH_SITE names one. Written once the stack serves,
 * removed when it stops; a note whose pid has exited (a killed stack) is reported, never used.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const RUNNING_STACK_FILE = "running-stack.json";

export interface RunningSite {
  name: string;
  role: "production" | "recovery";
  control: string;
}

export interface RunningStack {
  pid: number;
  sites: RunningSite[];
}

/** Writes the note; returns its remover, for the stack's stop. */
export async function writeRunningStack(dataDir: string, stack: RunningStack): Promise<() => Promise<void>> {
  const file = join(dataDir, RUNNING_STACK_FILE);
  await writeFile(file, `${JSON.stringify(stack, null, 2)}\n`);
  return () => rm(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The control URL of the running stack's site with `role`, or why there is none: the reason reads
 * as the end of "no site given: …".
 */
export async function runningStackSite(
  dataDir: string,
  role: RunningSite["role"],
): Promise<{ url: string } | { missing: string }> {
  const file = join(dataDir, RUNNING_STACK_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return { missing: `no rpowatch start stack is running here (${file} does not exist)` };
  }
  let stack: RunningStack;
  try {
    stack = JSON.parse(text) as RunningStack;
  } catch {
    return { missing: `${file} is not the note rpowatch start writes (not JSON)` };
  }
  if (!Number.isInteger(stack.pid) || !Array.isArray(stack.sites))
    return { missing: `${file} is not the note rpowatch start writes (no pid or sites)` };
  if (!alive(stack.pid))
    return { missing: `the rpowatch start stack that wrote ${file} (pid ${stack.pid}) is no longer running` };
  const site = stack.sites.find((s) => s.role === role);
  if (!site) return { missing: `the running stack (pid ${stack.pid}) has no ${role} site` };
  return { url: site.control };
}
