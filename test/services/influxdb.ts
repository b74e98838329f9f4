import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withFreePorts } from "../../lib/ports.ts";
import { requireBinary } from "../support/binaries.ts";
import { httpOk } from "../support/net.ts";
import { cleanupOnFailure, spawnService, waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

/** One statement's result from InfluxDB 1.x /query. */
export interface InfluxResult {
  statement_id: number;
  series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
  error?: string;
}

export interface InfluxDBInstance {
  url: string;
  port: number;
  /** The running influxd's process id (it changes with startAgain()). */
  readonly pid: number;
  /** Runs InfluxQL (POST /query, so CREATE/DROP work too); throws if any statement failed. */
  query(influxql: string, db?: string): Promise<InfluxResult[]>;
  /** Writes line protocol to `db` (POST /write, nanosecond precision). */
  write(lines: string, db: string): Promise<void>;
  /** Stops influxd, keeping its data, and resolves once `startAgain()` may be called. */
  kill(): Promise<void>;
  /** Starts influxd again on the same port and data after kill(). */
  startAgain(): Promise<void>;
  stop(): Promise<void>;
}

export interface InfluxDBOptions {
  /** Continuous queries run (default); false turns the service off, as InfluxDB 2 and 3 run none. */
  continuousQueries?: boolean;
  /** Authentication on, with this admin user (made first); query() and write() then sign in as it. */
  admin?: { username: string; password: string };
}

/** Starts a real InfluxDB 1.x on 127.0.0.1 with every listener on a free loopback port and temp storage. */
export async function startInfluxDB(options: InfluxDBOptions = {}): Promise<InfluxDBInstance> {
  const binary = requireBinary("/usr/bin/influxd", "influxdb");
  return withFreePorts(2, async (ports) => {
    const [port, rpcPort] = ports as [number, number];
    const dir = await makeTempDir("influxdb");
    const url = `http://127.0.0.1:${port}`;
    const configFile = join(dir, "influxdb.conf");
    // The top-level bind-address is the backup/restore RPC listener, which otherwise takes :8088 on all interfaces.
    await writeFile(
      configFile,
      `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, "meta")}"
[data]
  dir = "${join(dir, "data")}"
  wal-dir = "${join(dir, "wal")}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = ${options.continuousQueries ?? true}
[http]
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
  auth-enabled = ${options.admin !== undefined}
`,
    );
    const spawnInfluxd = () =>
      spawnService({ name: "influxd", command: binary, args: ["-config", configFile], cwd: dir });
    let proc = spawnInfluxd();
    const stop = async () => {
      await proc.stop();
      await removeTempDir(dir);
    };
    const ready = () =>
      cleanupOnFailure(stop, () =>
        waitFor(() => httpOk(`${url}/ping`), { timeoutMs: 30_000, what: "influxd /ping", process: proc }),
      );
    await ready();
    const { admin } = options;
    const headers: Record<string, string> = admin
      ? { authorization: `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString("base64")}` }
      : {};
    if (admin) {
      // InfluxDB takes the first user, an admin, without credentials.
      const q = `CREATE USER "${admin.username}" WITH PASSWORD '${admin.password}' WITH ALL PRIVILEGES`;
      await cleanupOnFailure(stop, async () => {
        const response = await fetch(`${url}/query`, { method: "POST", body: new URLSearchParams({ q }) });
        if (!response.ok) throw new Error(`influxdb: creating the admin user: ${response.status}`);
      });
    }
    return {
      url,
      port,
      get pid() {
        return proc.pid;
      },
      stop,
      kill: () => proc.stop(),
      async startAgain() {
        proc = spawnInfluxd();
        await ready();
      },
      async query(influxql, db) {
        const params = new URLSearchParams({ q: influxql, ...(db && { db }) });
        const response = await fetch(`${url}/query`, { method: "POST", body: params, headers });
        const body = (await response.json()) as { results?: InfluxResult[]; error?: string };
        const failed = body.error ?? body.results?.find((r) => r.error)?.error;
        if (!response.ok || failed) throw new Error(`influxdb query ${influxql}: ${failed ?? response.status}`);
        return body.results ?? [];
      },
      async write(lines, db) {
        const response = await fetch(`${url}/write?${new URLSearchParams({ db })}`, {
          method: "POST",
          body: lines,
          headers,
        });
        if (response.status !== 204)
          throw new Error(`influxdb write to ${db}: ${response.status} ${await response.text()}`);
      },
    };
  });
}
