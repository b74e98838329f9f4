import pg from "pg";
import { afterAll, expect, it } from "vitest";
import { isPortFree } from "../support/net.ts";
import { waitFor } from "../support/process.ts";
import { type PostgresPair, startPostgresPair } from "./postgres-pair.ts";

let pair: PostgresPair | undefined;
afterAll(() => pair?.stop());

async function query(connectionString: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

it("streams writes from primary to standby, survives a standby restart and releases its ports", async () => {
  const p = await startPostgresPair();
  pair = p;
  const { rows } = await query(p.primary.connectionString, "select state from pg_stat_replication");
  expect(rows).toEqual([{ state: "streaming" }]);
  expect((await query(p.standby.connectionString, "select pg_is_in_recovery() as r")).rows[0].r).toBe(true);

  await query(p.primary.connectionString, "create table t (v int); insert into t values (42)");
  await waitFor(() => query(p.standby.connectionString, "select v from t").then((r) => r.rows[0]?.v === 42), {
    timeoutMs: 10_000,
    what: "row replicated to the standby",
  });

  await p.stopStandby();
  expect(await isPortFree(p.standby.port)).toBe(true);
  await query(p.primary.connectionString, "insert into t values (43)");
  await p.startStandby();
  await waitFor(
    () => query(p.standby.connectionString, "select count(*)::int as n from t").then((r) => r.rows[0].n === 2),
    { timeoutMs: 10_000, what: "standby catching up after restart" },
  );

  await p.stop();
  expect(await isPortFree(p.primary.port)).toBe(true);
});
