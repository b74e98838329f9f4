/**
 * A production and a recovery site of the bundled engine from one source tree (this checkout or an
 * earlier commit's, bench/git-tree.ts), as real processes on loopback, both run the same way
 * (`node --import tsx cli/main.ts engine`). Every port is bound as port 0 and read back from the
 * site's "… listening" log lines, which engines before and after the `listening` stdout line print.
 */
import { mkdir, open, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ServiceProcess, spawnService, waitFor } from "../test/support/process.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { processCpuSeconds } from "./process-cpu.ts";

const PSK = "bench-pre-shared-key-0123456789abcdef";
const MiB = 1024 * 1024;

/** The fields both versions' GET /status have that tell whether replication has caught up. */
interface GroupProgress {
  state: string;
  rpoSeconds: number;
  headSeq: number;
  durableSeq: number;
  appliedSeq: number;
}

interface Site {
  proc: ServiceProcess;
  control: number;
}

/** Port of the first log line with `msg` (pino JSON on stderr), once printed. */
function loggedPort(output: string, msg: string): number | undefined {
  for (const line of output.split("\n")) {
    if (!line.includes(msg)) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      if (entry.msg === msg && entry.port) return entry.port;
    } catch {
      // a partial line: not yet
    }
  }
  return undefined;
}

export class TreeEnginePair {
  private readonly sites: Site[] = [];
  nbdUri = "";
  private production: Site | null = null;
  private recovery: Site | null = null;

  private constructor(
    private readonly treeRoot: string,
    private readonly name: string,
    readonly dir: string,
  ) {}

  /** Starts both sites with a preallocated volume `vol1` of `volumeMiB` and waits for the initial sync. */
  static async start(treeRoot: string, name: string, volumeMiB: number): Promise<TreeEnginePair> {
    const pair = new TreeEnginePair(treeRoot, name, await makeTempDir(`bench-${name}`));
    try {
      await pair.boot(volumeMiB);
    } catch (err) {
      await pair.stop();
      throw err;
    }
    return pair;
  }

  private async boot(volumeMiB: number): Promise<void> {
    await writeFile(join(this.dir, "psk"), `${PSK}\n`);
    // Both images preallocated, so neither version pays for block allocation during a run.
    for (const site of ["prod", "rec"]) await preallocate(join(this.dir, site, "groups", "g1"), volumeMiB);
    const group = ["groups:", "  - name: g1", "    volumes:", `      - { name: vol1, size: ${volumeMiB}MiB }`];
    const psk = `  psk: { file: ${join(this.dir, "psk")} }`;
    const common = (site: string, role: string) => [
      `site: ${site}`,
      `role: ${role}`,
      `dataDir: ${join(this.dir, role === "production" ? "prod" : "rec")}`,
      'control: { listen: "127.0.0.1:0" }',
    ];
    this.recovery = await this.site("recovery", [
      ...common("rec-b", "recovery"),
      "link:",
      '  listen: "127.0.0.1:0"',
      psk,
      ...group,
    ]);
    const link = await waitFor(() => loggedPort(this.recovery!.proc.output(), "link listening"), {
      timeoutMs: 30_000,
      what: `${this.name} recovery link port`,
      process: this.recovery.proc,
    });
    this.production = await this.site("production", [
      ...common("prod-a", "production"),
      'nbd: { listen: "127.0.0.1:0" }',
      "link:",
      `  peer: "127.0.0.1:${link}"`,
      psk,
      ...group,
    ]);
    const nbd = await waitFor(() => loggedPort(this.production!.proc.output(), "NBD server listening"), {
      timeoutMs: 30_000,
      what: `${this.name} NBD port`,
      process: this.production.proc,
    });
    this.nbdUri = `nbd://127.0.0.1:${nbd}/vol1`;
    await this.caughtUp(300_000);
  }

  private async site(role: string, lines: string[]): Promise<Site> {
    const file = join(this.dir, `${role}.yaml`);
    await writeFile(file, `${lines.join("\n")}\n`);
    const proc = spawnService({
      name: `${this.name} ${role}`,
      command: process.execPath,
      args: ["--import", "tsx", "cli/main.ts", "--log-level", "info", "engine", "--config", file],
      cwd: this.treeRoot,
    });
    const site: Site = { proc, control: 0 };
    this.sites.push(site);
    site.control = await waitFor(() => loggedPort(proc.output(), "control API listening"), {
      timeoutMs: 60_000,
      what: `${this.name} ${role} control port`,
      process: proc,
    });
    return site;
  }

  private async group(site: Site): Promise<GroupProgress> {
    const res = await fetch(`http://127.0.0.1:${site.control}/status`);
    if (!res.ok) throw new Error(`${this.name} /status: HTTP ${res.status}`);
    return ((await res.json()) as { groups: GroupProgress[] }).groups[0]!;
  }

  /** Waits until every acknowledged write is durable and applied to the replica at the recovery site. */
  async caughtUp(timeoutMs = 300_000): Promise<void> {
    await waitFor(
      async () => {
        const p = await this.group(this.production!);
        const r = await this.group(this.recovery!);
        return p.state === "active" && p.rpoSeconds === 0 && p.durableSeq === p.headSeq && r.appliedSeq === p.headSeq;
      },
      { timeoutMs, what: `${this.name}: replication caught up`, process: this.production!.proc, intervalMs: 50 },
    );
  }

  /** CPU time both sites have used so far (user + system), seconds. */
  cpuSeconds(): number {
    return this.sites.reduce((sum, s) => sum + processCpuSeconds(s.proc.pid), 0);
  }

  async stop(): Promise<void> {
    for (const s of this.sites.reverse()) await s.proc.stop();
    await removeTempDir(this.dir);
  }
}

async function preallocate(dir: string, mib: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = await open(join(dir, "vol1.img"), "w");
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) await file.write(chunk, 0, MiB, i * MiB);
  await file.datasync();
  await file.close();
}
