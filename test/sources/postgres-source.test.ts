/** The PostgreSQL source against a real primary and streaming standby. */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { GroupSample, SourceSnapshot } from "../../collector/model.ts";
import type { SourceAdapter } from "../../collector/source.ts";
import { postgresSourceConfig } from "../../collector/sources/postgres-config.ts";
import { createPostgresSource } from "../../collector/sources/postgres-source.ts";
import { type PostgresPair, startPostgresPair } from "../services/postgres-pair.ts";
import { RecordingSink } from "./recording-sink.ts";

let pair: PostgresPair;
let source: SourceAdapter;
const sink = new RecordingSink();

beforeAll(async () => {
  pair = await startPostgresPair();
  const config = postgresSourceConfig.parse({
    kind: "postgres",
    name: "pg-paris",
    settings: {
      primary: { url: pair.primary.connectionString },
      standby: { url: pair.standby.connectionString },
      site: "paris",
      peerSite: "lyon",
      standbys: ["walreceiver"],
      interval: 0.2,
      timeout: 2,
    },
  });
  source = createPostgresSource(config);
  source.start(sink);
});
afterAll(async () => {
  await source?.stop();
  await pair?.stop();
});

const standby = (s: SourceSnapshot): GroupSample | undefined => s.groups.find((g) => g.name === "walreceiver");
const written = (s: SourceSnapshot) => standby(s)?.volumes[0]?.writtenBytesTotal ?? 0;

async function writeWal(rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: pair.primary.connectionString });
  await client.connect();
  await client.query("create table if not exists t (id serial, pad text)");
  await client.query("insert into t (pad) select repeat('x', 200) from generate_series(1, $1)", [rows]);
  await client.end();
}

it("counts written WAL, reads RPO 0 when idle, and never masks a stopped standby", async () => {
  const idle = await sink.until((s) => standby(s)?.state === "active", "standby streaming");
  expect(standby(idle)).toMatchObject({ tenant: "default", site: "paris", peerSite: "lyon", mode: "async" });

  await writeWal(20_000);
  const grown = await sink.until((s) => written(s) > written(idle) + 4_000_000, "written WAL counter to grow by 4 MB");
  expect(sink.failures).toEqual([]);

  const caughtUp = await sink.until(
    (s) => standby(s)?.rpoSeconds === 0 && written(s) >= written(grown),
    "RPO back to 0 once the standby replayed everything",
  );
  expect(standby(caughtUp)!.backlogBytes).toEqual({ production: 0, in_flight: 0, recovery: 0 });

  await pair.stopStandby();
  const down = await sink.until((s) => standby(s)?.state === "error", "standby reported in state error");
  await writeWal(2_000);
  const later = await sink.until(
    (s) => s.timestamp > down.timestamp && written(s) > written(down),
    "a later snapshot after more WAL",
  );
  // RPO grows from the last contact, and the unsent WAL shows as production backlog.
  expect(standby(later)!.state).toBe("error");
  expect(standby(later)!.rpoSeconds).toBeGreaterThan(standby(down)!.rpoSeconds);
  expect(standby(later)!.backlogBytes.production).toBeGreaterThanOrEqual(written(later) - written(down));

  await pair.startStandby();
  await sink.until((s) => standby(s)?.state === "active" && standby(s)!.rpoSeconds === 0, "standby streaming again");
});
