/**
 * Test harness for the engine: a production and a recovery site as real `rpowatch engine`
 * processes in a temporary directory, optionally with the fault-injecting proxy on the link (and on
 * the reversed link a reprotect opens), plus
 * helpers to read their status, run qemu-io/fio against the production NBD exports and compare
 * the images.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseHostPort } from "../../lib/host-port.ts";
import { runTool, runToolOk } from "../../replication/nbd/test-support.ts";
import type { GroupStatus, SiteStatus } from "../../replication/status.ts";
import { ENGINE_BIN, startEngineSite } from "../support/engine-site.ts";
import { outputTail, type ServiceProcess, waitFor } from "../support/process.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

export const PSK = "test-pre-shared-key-0123456789";
export const BIN = ENGINE_BIN;

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
  /** Give the production site a link listener and the recovery site a peer on it, so reprotect can reverse the link. */
  reverseLinkPort?: number;
  /** With reverseLinkPort: put a fault-injecting proxy on that reversed link too (`reverseProxy`). */
  reverseProxy?: boolean;
  /** A second group, g2 with volume vol2 (same size and mode), on both sites. */
  secondGroup?: boolean;
  /** Give each site `imageAccess.socketDir`, a folder of its own (`socketDir(role)`). */
  socketDirs?: boolean;
}

export type Role = "production" | "recovery";

export class EnginePair {
  proc: Record<Role, ServiceProcess | null> = { production: null, recovery: null };
  proxy: TcpProxy | null = null;
  /** On the reversed link, from the recovery site to the production site's link listener. */
  reverseProxy: TcpProxy | null = null;
  private proxyPort = 0;
  readonly configs: Record<Role, string>;

  /** Ports the sites bound at their first start (0 until then); a restart binds the same ones. */
  readonly ports = { control: { production: 0, recovery: 0 } as Record<Role, number>, nbd: 0, link: 0 };

  private constructor(
    readonly dir: string,
    private readonly o: PairOptions,
  ) {
    const size = o.volumeSize ?? "16MiB";
    const group = [
      "groups:",
      "  - name: g1",
      `    mode: ${o.mode ?? "async"}`,
      ...(o.groupSettings ?? []).map((l) => `    ${l}`),
      "    volumes:",
      `      - { name: vol1, size: ${size} }`,
      ...(o.secondGroup
        ? ["  - name: g2", `    mode: ${o.mode ?? "async"}`, "    volumes:", `      - { name: vol2, size: ${size} }`]
        : []),
    ];
    const prod = [
      "site: prod-a",
      "role: production",
      `dataDir: ${join(dir, "prod")}`,
      'control: { listen: "127.0.0.1:0" }',
      'nbd: { listen: "127.0.0.1:0" }',
      "link:",
      // Set when the recovery site has bound its link port (or to the proxy's port).
      '  peer: "127.0.0.1:0"',
      "  psk: { env: RPOWATCH_PSK }",
      ...(o.reverseLinkPort ? [`  listen: "127.0.0.1:${o.reverseLinkPort}"`] : []),
      ...(o.productionLink ?? []).map((l) => `  ${l}`),
      ...(o.queueMaxBytes ? ["queue:", `  maxBytes: ${o.queueMaxBytes}`] : []),
      ...(o.socketDirs ? [`imageAccess: { socketDir: ${this.socketDir("production")} }`] : []),
      ...group,
    ];
    const rec = [
      "site: rec-b",
      "role: recovery",
      `dataDir: ${join(dir, "rec")}`,
      'control: { listen: "127.0.0.1:0" }',
      "link:",
      '  listen: "127.0.0.1:0"',
      `  psk: { file: ${join(dir, "rec.psk")} }`,
      ...(o.reverseLinkPort ? [`  peer: "127.0.0.1:${o.reverseLinkPort}"`] : []),
      ...(o.recoveryLink ?? []).map((l) => `  ${l}`),
      ...(o.socketDirs ? [`imageAccess: { socketDir: ${this.socketDir("recovery")} }`] : []),
      ...group,
    ];
    writeFileSync(join(dir, "rec.psk"), `${o.recoveryPsk ?? PSK}\n`);
    this.configs = { production: join(dir, "prod.yaml"), recovery: join(dir, "rec.yaml") };
    writeFileSync(this.configs.production, `${prod.join("\n")}\n`);
    writeFileSync(this.configs.recovery, `${rec.join("\n")}\n`);
  }

  static async create(o: PairOptions = {}): Promise<EnginePair> {
    const dir = await makeTempDir("engine");
    const pair = new EnginePair(dir, o);
    if (o.proxy) {
      // Forwards to the recovery site's link once it has one (start("recovery")).
      pair.proxy = new TcpProxy("127.0.0.1");
      pair.proxyPort = await pair.proxy.listen();
    }
    if (o.reverseLinkPort && o.reverseProxy) {
      pair.reverseProxy = new TcpProxy("127.0.0.1", o.reverseLinkPort);
      const port = await pair.reverseProxy.listen();
      const file = pair.configs.recovery;
      writeFileSync(
        file,
        readFileSync(file, "utf8").replace(`peer: "127.0.0.1:${o.reverseLinkPort}"`, `peer: "127.0.0.1:${port}"`),
      );
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

  /** The site's `imageAccess.socketDir` (with `socketDirs`): `<dir>/prod-sockets`, `<dir>/rec-sockets`. */
  socketDir(role: Role): string {
    if (!this.o.socketDirs) throw new Error("the pair was created without socketDirs");
    return join(this.dir, role === "production" ? "prod-sockets" : "rec-sockets");
  }

  image(role: Role, group = "g1"): string {
    const volume = group === "g1" ? "vol1" : "vol2";
    return join(this.dir, role === "production" ? "prod" : "rec", "groups", group, `${volume}.img`);
  }

  /**
   * Starts a site: the first start binds free ports (port 0) and writes them into its site file,
   * so a restart binds the same ones. The production site starts after the recovery site has once:
   * it needs the link port.
   */
  async start(role: Role): Promise<ServiceProcess> {
    const file = this.configs[role];
    if (role === "production") {
      if (this.ports.link === 0)
        throw new Error("start the recovery site first: the production site needs its link port");
      const peer = this.proxy ? this.proxyPort : this.ports.link;
      writeFileSync(file, readFileSync(file, "utf8").replace(/peer: "127\.0\.0\.1:\d+"/, `peer: "127.0.0.1:${peer}"`));
    }
    const { proc, listening } = await startEngineSite({
      name: `engine-${role}`,
      configFile: file,
      env: { ...process.env, RPOWATCH_PSK: PSK },
    });
    this.proc[role] = proc;
    this.ports.control[role] = parseHostPort(listening.control).port;
    if (listening.nbd) this.ports.nbd = parseHostPort(listening.nbd).port;
    if (listening.link && role === "recovery") this.ports.link = parseHostPort(listening.link).port;
    this.proxy?.retarget(this.ports.link);
    const held = readFileSync(file, "utf8")
      .replace('control: { listen: "127.0.0.1:0" }', `control: { listen: "127.0.0.1:${this.ports.control[role]}" }`)
      .replace('nbd: { listen: "127.0.0.1:0" }', `nbd: { listen: "127.0.0.1:${this.ports.nbd}" }`)
      .replace('listen: "127.0.0.1:0"', `listen: "127.0.0.1:${this.ports.link}"`);
    writeFileSync(file, held);
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

  async group(role: Role, name = "g1"): Promise<GroupStatus> {
    const g = (await this.status(role)).groups.find((x) => x.name === name);
    if (!g) throw new Error(`${role} /status has no group ${name}`);
    return g;
  }

  api(role: Role, method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`http://127.0.0.1:${this.ports.control[role]}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /**
   * Waits until every acknowledged write is durable and distributed at the recovery site; `reversed`
   * after a reprotect, when the recovery-configured site (rec-b) is the group's production.
   */
  async caughtUp(
    timeoutMs = 60_000,
    direction: "configured" | "reversed" = "configured",
    group = "g1",
  ): Promise<GroupStatus> {
    const [production, recovery] = (
      direction === "configured" ? ["production", "recovery"] : ["recovery", "production"]
    ) as [Role, Role];
    return waitFor(
      async () => {
        const g = await this.group(production, group);
        const r = await this.group(recovery, group);
        const done =
          g.direction === "production" &&
          g.state === "active" &&
          g.rpoSeconds === 0 &&
          g.backlog.writes === 0 &&
          g.durableSeq === g.headSeq &&
          r.appliedSeq === g.headSeq &&
          r.durableSeq === g.headSeq;
        return done ? g : null;
      },
      {
        timeoutMs,
        what: `replication of ${group} caught up (RPO 0, replica applied to head) from ${production}`,
        process: this.proc[production]!,
      },
    );
  }

  imagesIdentical(group = "g1"): boolean {
    return readFileSync(this.image("production", group)).equals(readFileSync(this.image("recovery", group)));
  }

  logs(): string {
    return (["production", "recovery"] as const)
      .map((r) => (this.proc[r] ? `--- ${r} ---\n${outputTail(this.proc[r]!)}` : ""))
      .join("\n");
  }

  async close(): Promise<void> {
    for (const p of Object.values(this.proc)) await p?.stop();
    await this.proxy?.close();
    await this.reverseProxy?.close();
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
