/**
 * Test harness for the engine: a production and a recovery site as real `rpowatch engine`
 * processes in a temporary directory, optionally with the fault-injecting proxy on the link, plus
 * helpers to read their status, run qemu-io/fio against the production NBD exports and compare
 * the images.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePorts } from "../../lib/ports.ts";
import { runTool, runToolOk } from "../../replication/nbd/test-support.ts";
import type { GroupStatus, SiteStatus } from "../../replication/status.ts";
import { outputTail, type ServiceProcess, spawnService, waitFor } from "../support/process.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

export const PSK = "test-pre-shared-key-0123456789";
export const BIN = join(import.meta.dirname, "../../bin/rpowatch.js");

export interface PairOptions {
  volumeSize?: string;
  /** Put the fault-injecting proxy between the sites. */
  proxy?: boolean;
  /** Extra YAML lines under `link:` of the production site. */
  productionLink?: string[];
  /** Extra YAML lines under `link:` of the recovery site. */
  recoveryLink?: string[];
  queueMaxBytes?: string;
  /** Extra YAML lines in group g1, on both sites (e.g. `compression: zstd`). */
  groupSettings?: string[];
  recoveryPsk?: string;
  mode?: "async" | "sync";
}

export type Role = "production" | "recovery";

export class EnginePair {
  proc: Record<Role, ServiceProcess | null> = { production: null, recovery: null };
  proxy: TcpProxy | null = null;
  readonly configs: Record<Role, string>;

  private constructor(
    readonly dir: string,
    readonly ports: { control: Record<Role, number>; nbd: number; link: number },
    o: PairOptions,
  ) {
    const size = o.volumeSize ?? "16MiB";
    const group = [
      "groups:",
      "  - name: g1",
      `    mode: ${o.mode ?? "async"}`,
      ...(o.groupSettings ?? []).map((l) => `    ${l}`),
      "    volumes:",
      `      - { name: vol1, size: ${size} }`,
    ];
    const prod = [
      "site: prod-a",
      "role: production",
      `dataDir: ${join(dir, "prod")}`,
      `control: { listen: "127.0.0.1:${ports.control.production}" }`,
      `nbd: { listen: "127.0.0.1:${ports.nbd}" }`,
      "link:",
      `  peer: "127.0.0.1:${o.proxy ? 0 : ports.link}"`,
      "  psk: { env: RPOWATCH_PSK }",
      ...(o.productionLink ?? []).map((l) => `  ${l}`),
      ...(o.queueMaxBytes ? ["queue:", `  maxBytes: ${o.queueMaxBytes}`] : []),
      ...group,
    ];
    const rec = [
      "site: rec-b",
      "role: recovery",
      `dataDir: ${join(dir, "rec")}`,
      `control: { listen: "127.0.0.1:${ports.control.recovery}" }`,
      "link:",
      `  listen: "127.0.0.1:${ports.link}"`,
      `  psk: { file: ${join(dir, "rec.psk")} }`,
      ...(o.recoveryLink ?? []).map((l) => `  ${l}`),
      ...group,
    ];
    writeFileSync(join(dir, "rec.psk"), `${o.recoveryPsk ?? PSK}\n`);
    this.configs = { production: join(dir, "prod.yaml"), recovery: join(dir, "rec.yaml") };
    writeFileSync(this.configs.production, `${prod.join("\n")}\n`);
    writeFileSync(this.configs.recovery, `${rec.join("\n")}\n`);
  }

  static async create(o: PairOptions = {}): Promise<EnginePair> {
    const dir = await makeTempDir("engine");
    const [a, b, c, d] = (await freePorts(4)) as [number, number, number, number];
    const ports = { control: { production: a, recovery: b }, nbd: c, link: d };
    const pair = new EnginePair(dir, ports, o);
    if (o.proxy) {
      pair.proxy = new TcpProxy("127.0.0.1", ports.link);
      const proxyPort = await pair.proxy.listen();
      const file = pair.configs.production;
      writeFileSync(file, readFileSync(file, "utf8").replace('peer: "127.0.0.1:0"', `peer: "127.0.0.1:${proxyPort}"`));
    }
    return pair;
  }

  /** Only the recovery site started: for tests that drive the link by hand (manual-peer.ts). */
  static async recoveryOnly(o: PairOptions = {}): Promise<EnginePair> {
    const pair = await EnginePair.create(o);
    await pair.start("recovery");
    return pair;
  }

  /** A pair with both sites started and the initial sync done. */
  static async running(o: PairOptions = {}): Promise<EnginePair> {
    const pair = await EnginePair.create(o);
    await pair.start("recovery");
    await pair.start("production");
    await pair.caughtUp();
    return pair;
  }

  get nbdUri(): string {
    return `nbd://127.0.0.1:${this.ports.nbd}/vol1`;
  }

  image(role: Role): string {
    return join(this.dir, role === "production" ? "prod" : "rec", "groups", "g1", "vol1.img");
  }

  async start(role: Role): Promise<ServiceProcess> {
    const proc = spawnService({
      name: `engine-${role}`,
      command: process.execPath,
      args: [BIN, "--log-level", "debug", "engine", "--config", this.configs[role]],
      env: { ...process.env, RPOWATCH_PSK: PSK },
    });
    this.proc[role] = proc;
    await waitFor(() => this.status(role), { timeoutMs: 30_000, what: `${role} /status`, process: proc });
    return proc;
  }

  /** kill -9: no shutdown code runs. */
  async kill9(role: Role): Promise<void> {
    const proc = this.proc[role];
    if (!proc) return;
    process.kill(proc.pid, "SIGKILL");
    await proc.stop();
    this.proc[role] = null;
  }

  async status(role: Role): Promise<SiteStatus> {
    const res = await fetch(`http://127.0.0.1:${this.ports.control[role]}/status`);
    if (!res.ok) throw new Error(`${role} /status: HTTP ${res.status}`);
    return (await res.json()) as SiteStatus;
  }

  async group(role: Role): Promise<GroupStatus> {
    return (await this.status(role)).groups[0]!;
  }

  api(role: Role, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.ports.control[role]}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Waits until every acknowledged write is durable and distributed at the recovery site. */
  async caughtUp(timeoutMs = 60_000): Promise<GroupStatus> {
    return waitFor(
      async () => {
        const g = await this.group("production");
        const r = await this.group("recovery");
        const done =
          g.state === "active" &&
          g.rpoSeconds === 0 &&
          g.backlog.writes === 0 &&
          g.durableSeq === g.headSeq &&
          r.appliedSeq === g.headSeq &&
          r.durableSeq === g.headSeq;
        return done ? g : null;
      },
      { timeoutMs, what: "replication caught up (RPO 0, replica applied to head)", process: this.proc.production! },
    );
  }

  imagesIdentical(): boolean {
    return readFileSync(this.image("production")).equals(readFileSync(this.image("recovery")));
  }

  logs(): string {
    return (["production", "recovery"] as const)
      .map((r) => (this.proc[r] ? `--- ${r} ---\n${outputTail(this.proc[r]!)}` : ""))
      .join("\n");
  }

  async close(): Promise<void> {
    for (const p of Object.values(this.proc)) await p?.stop();
    await this.proxy?.close();
    await removeTempDir(this.dir);
  }
}

/** qemu-io commands against an NBD URI; returns stdout (fails on a non-zero exit). */
export function qemuIo(uri: string, commands: string[], timeoutMs = 60_000): Promise<string> {
  return runToolOk("qemu-io", ["-f", "raw", ...commands.flatMap((c) => ["-c", c]), uri], timeoutMs);
}

/** qemu-io that may be cut short (its server killed); returns how many writes it completed. */
export async function qemuIoCountWrites(uri: string, commands: string[]): Promise<number> {
  const r = await runTool("qemu-io", ["-f", "raw", ...commands.flatMap((c) => ["-c", c]), uri], 60_000);
  return r.stdout.split("\n").filter((l) => l.startsWith("wrote ")).length;
}

/** Runs fio and returns its JSON report (fio may print notices before the JSON). */
export async function fio(args: string[], timeoutMs = 120_000): Promise<FioReport> {
  const out = await runToolOk("fio", ["--output-format=json", ...args], timeoutMs);
  return JSON.parse(out.slice(out.indexOf("{"))) as FioReport;
}

export interface FioReport {
  jobs: { error: number; write: { io_bytes: number; iops: number; bw_bytes: number } }[];
}

export { runTool };
