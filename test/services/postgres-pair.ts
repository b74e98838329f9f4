import { readFileSync } from "node:fs";
import { appendFile, chown } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { withFreePorts } from "../../lib/ports.ts";
import { requireBinary } from "../support/binaries.ts";
import { cleanupOnFailure, runCommand, type ServiceProcess, spawnService, waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";

const BIN = "/usr/lib/postgresql/15/bin";

export interface PostgresNode {
  port: number;
  /** postgresql://postgres@127.0.0.1:PORT/postgres (trust auth on loopback). */
  connectionString: string;
}

export interface PostgresPair {
  primary: PostgresNode;
  /** A hot standby streaming from the primary (pg_basebackup -R). */
  standby: PostgresNode;
  /** Stops the standby server only (fast shutdown), e.g. to make replication lag grow. */
  stopStandby(): Promise<void>;
  /** Starts the standby again on the same port and data directory, and waits until it accepts queries. */
  startStandby(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a PostgreSQL 15 primary and a streaming hot standby on 127.0.0.1. Data and sockets live in
 * a temp dir; as root, the servers run as the `postgres` system user because PostgreSQL refuses root.
 */
export async function startPostgresPair(): Promise<PostgresPair> {
  for (const tool of ["postgres", "initdb", "pg_basebackup"]) requireBinary(`${BIN}/${tool}`, "postgresql-15");
  const owner = serverUser();
  return withFreePorts(2, async (ports) => {
    const [primaryPort, standbyPort] = ports as [number, number];
    const dir = await makeTempDir("postgres");
    if (owner.uid !== undefined) await chown(dir, owner.uid, owner.gid!);
    const primaryData = join(dir, "primary");
    const standbyData = join(dir, "standby");
    let primary: ServiceProcess | undefined;
    let standby: ServiceProcess | undefined;
    // postgres treats SIGTERM as "wait for clients"; SIGINT is the fast shutdown tests want.
    const start = (name: string, data: string, port: number) => {
      const proc = spawnService({
        name,
        command: `${BIN}/postgres`,
        args: ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"],
        ...owner,
        cwd: dir,
        stopSignal: "SIGINT",
        graceMs: 10_000,
      });
      return cleanupOnFailure(proc.stop, async () => {
        await waitFor(() => acceptsQueries(port), {
          timeoutMs: 30_000,
          what: `${name} accepting queries`,
          process: proc,
        });
        return proc;
      });
    };
    const stopStandby = async () => {
      await standby?.stop();
      standby = undefined;
    };
    const stop = async () => {
      await stopStandby();
      await primary?.stop();
      await removeTempDir(dir);
    };

    await cleanupOnFailure(stop, async () => {
      await runCommand(
        `${BIN}/initdb`,
        ["-D", primaryData, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"],
        {
          ...owner,
          cwd: dir,
        },
      );
      // initdb's pg_hba.conf already trusts replication connections from 127.0.0.1.
      await appendFile(
        join(primaryData, "postgresql.conf"),
        [
          "wal_level = replica",
          "max_wal_senders = 5",
          "hot_standby = on",
          "fsync = off",
          "synchronous_commit = off",
          "shared_buffers = 16MB",
          "",
        ].join("\n"),
      );
      primary = await start("postgres-primary", primaryData, primaryPort);
      await runCommand(
        `${BIN}/pg_basebackup`,
        [
          "-h",
          "127.0.0.1",
          "-p",
          String(primaryPort),
          "-U",
          "postgres",
          "-D",
          standbyData,
          "-R",
          "-X",
          "stream",
          "--no-sync",
        ],
        { ...owner, cwd: dir },
      );
      standby = await start("postgres-standby", standbyData, standbyPort);
    });

    const node = (port: number): PostgresNode => ({
      port,
      connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    });
    return {
      primary: node(primaryPort),
      standby: node(standbyPort),
      stopStandby,
      async startStandby() {
        standby ??= await start("postgres-standby", standbyData, standbyPort);
      },
      stop,
    };
  });
}

/** As root, the `postgres` system user the Debian package creates; otherwise the current user (no switch). */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const entry = /^postgres:[^:]*:(\d+):(\d+):/m.exec(readFileSync("/etc/passwd", "utf8"));
  if (!entry)
    throw new Error(
      "user postgres not found: install the Debian package postgresql-15 (apt-get install postgresql-15)",
    );
  return { uid: Number(entry[1]), gid: Number(entry[2]) };
}

async function acceptsQueries(port: number): Promise<boolean> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}
