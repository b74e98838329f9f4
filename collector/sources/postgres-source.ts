/**
 * PostgreSQL source: reads a primary's streaming replication (and optionally one standby) with
 * `pg`, and reports one group per standby (postgres-map.ts has the mapping rules). Each poll opens
 * its own short connection, so a restarted server needs no reconnect logic. A primary that cannot
 * be read is a sink.failure; a standby that cannot be read only loses its fallback figure (the
 * primary's view already shows the standby as missing).
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import { resolveSecret } from "../../lib/config-file.ts";
import type { SourceAdapter, SourceSink } from "../source.ts";
import { startPollLoop } from "./poll-loop.ts";
import type { PostgresSourceConfig } from "./postgres-config.ts";
import { type PrimaryReading, ReplicationTracker, type StandbyReading, type WalSender } from "./postgres-map.ts";

const LSN = (expr: string) => `pg_wal_lsn_diff(${expr}, '0/0')::float8`;

const PRIMARY_SQL = `select extract(epoch from now())::float8 as now,
  ${LSN("pg_current_wal_lsn()")} as current_lsn,
  (select sum(pg_database_size(oid)) from pg_database)::float8 as database_bytes,
  (select wal_records from pg_stat_wal)::float8 as wal_records`;
const SENDERS_SQL = `select application_name, state, sync_state,
  ${LSN("sent_lsn")} as sent_lsn, ${LSN("flush_lsn")} as flush_lsn, ${LSN("replay_lsn")} as replay_lsn,
  extract(epoch from replay_lag)::float8 as replay_lag
  from pg_stat_replication`;
const STANDBY_SQL = `select ${LSN("pg_last_wal_receive_lsn()")} as receive_lsn, ${LSN("pg_last_wal_replay_lsn()")} as replay_lsn,
  extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as replay_age`;

export interface PostgresSourceDeps {
  env?: NodeJS.ProcessEnv;
}

type Connection = { url: string; password?: Parameters<typeof resolveSecret>[0] };

export function createPostgresSource(config: PostgresSourceConfig, deps: PostgresSourceDeps = {}): SourceAdapter {
  const s = config.settings;
  const timeoutMs = s.timeout * 1000;
  const tracker = new ReplicationTracker(
    { tenant: s.tenant, site: s.site, peerSite: s.peerSite, rpoTargetSeconds: s.rpoTarget },
    s.standbys,
  );
  // Passwords are resolved once, at creation, so a missing secret fails at start-up.
  const clientConfig = (c: Connection): pg.ClientConfig => ({
    connectionString: c.url,
    password: c.password && resolveSecret(c.password, deps.env),
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    query_timeout: timeoutMs,
    application_name: `rpowatch-${config.name}`,
  });
  const primary = clientConfig(s.primary);
  const standby = s.standby && { ...clientConfig(s.standby), applicationName: s.standby.applicationName };
  let loop: { stop(): Promise<void> } | undefined;

  async function readPrimary(): Promise<PrimaryReading> {
    return withClient(primary, async (client) => {
      const row = (await client.query(PRIMARY_SQL)).rows[0];
      const senders = (await client.query(SENDERS_SQL)).rows.map(
        (r): WalSender => ({
          applicationName: r.application_name,
          state: r.state,
          syncState: r.sync_state,
          sentLsn: r.sent_lsn,
          flushLsn: r.flush_lsn,
          replayLsn: r.replay_lsn,
          replayLagSeconds: r.replay_lag,
        }),
      );
      return {
        now: row.now,
        currentLsn: row.current_lsn,
        databaseBytes: row.database_bytes,
        walRecords: row.wal_records,
        walSenders: senders,
      };
    });
  }

  async function readStandby(sink: SourceSink): Promise<StandbyReading | undefined> {
    if (!standby) return undefined;
    try {
      const row = await withClient(standby, async (client) => (await client.query(STANDBY_SQL)).rows[0]);
      return {
        applicationName: standby.applicationName,
        receiveLsn: row.receive_lsn,
        replayLsn: row.replay_lsn,
        replayAgeSeconds: row.replay_age,
      };
    } catch (err) {
      sink.event?.({
        timestamp: Date.now() / 1000,
        type: "standby_unreachable",
        detail: { source: config.name, error: (err as Error).message },
      });
      return undefined;
    }
  }

  async function poll(sink: SourceSink): Promise<void> {
    const started = performance.now();
    try {
      const [reading, standbyReading] = await Promise.all([readPrimary(), readStandby(sink)]);
      const groups = tracker.groups(reading, standbyReading);
      sink.snapshot(
        { timestamp: reading.now, groups, links: [], interfaces: [] },
        { durationSeconds: (performance.now() - started) / 1000, samples: groups.length },
      );
    } catch (err) {
      sink.failure(new Error(`postgres primary ${redact(s.primary.url)}: ${(err as Error).message}`));
    }
  }

  return {
    name: config.name,
    kind: "postgres",
    staleAfterSeconds: s.interval + s.timeout,
    start(sink) {
      loop = startPollLoop(s.interval, () => poll(sink));
    },
    async stop() {
      await loop?.stop();
    },
  };
}

async function withClient<T>(config: pg.ClientConfig, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  // A connection dropped between queries emits "error"; the pending query rejects with it anyway.
  client.on("error", () => {});
  try {
    await client.connect();
    return await body(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** host:port/database only, for messages: never the user's query parameters. */
function redact(url: string): string {
  return url.replace(/^postgres(ql)?:\/\/([^@/]*@)?/, "").replace(/\?.*$/, "");
}
