/**
 * CPU time a process has used (user + system, all its threads), read from /proc/<pid>/stat, for
 * benchmarks that compare what each process spends per operation.
 */
import { readFileSync } from "node:fs";

/** Linux reports utime and stime in clock ticks of USER_HZ, which is 100 on every Linux ABI. */
const TICKS_PER_SECOND = 100;

export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which is in parentheses and may hold spaces): state is field 3,
  // utime field 14, stime field 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * Waits until a process is nearly idle (under 10 % of a core over 5 s, at most 5 minutes), so that
 * a server's compactions after a load do not count as the work measured next; returns the seconds waited.
 */
export async function settle(pid: number): Promise<number> {
  const started = performance.now();
  for (let before = processCpuSeconds(pid); performance.now() - started < 300_000; ) {
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const now = processCpuSeconds(pid);
    if (now - before < 0.5) break;
    before = now;
  }
  return (performance.now() - started) / 1000;
}
