import { describe, expect, it } from "vitest";
import { type PrimaryReading, ReplicationTracker, type WalSender } from "../../collector/sources/postgres-map.ts";

const place = { tenant: "acme", site: "paris", peerSite: "lyon", rpoTargetSeconds: 900 };
const sender = (over: Partial<WalSender> = {}): WalSender => ({
  applicationName: "s1",
  state: "streaming",
  syncState: "async",
  sentLsn: 1000,
  flushLsn: 1000,
  replayLsn: 1000,
  replayLagSeconds: null,
  ...over,
});
const reading = (now: number, currentLsn: number, walSenders: WalSender[]): PrimaryReading => ({
  now,
  currentLsn,
  databaseBytes: 8e6,
  walRecords: 42,
  walSenders,
});

describe("ReplicationTracker", () => {
  it("reads 0 when everything written is replayed, even with a stale replay_lag", () => {
    const [g] = new ReplicationTracker(place, []).groups(reading(100, 1000, [sender({ replayLagSeconds: 3 })]));
    expect(g).toMatchObject({
      name: "s1",
      state: "active",
      rpoSeconds: 0,
      backlogBytes: { production: 0, in_flight: 0, recovery: 0 },
    });
    expect(g!.volumes[0]).toMatchObject({ name: "wal", writtenBytesTotal: 1000, writeOpsTotal: 42, sizeBytes: 8e6 });
  });

  it("splits the backlog by stage and takes replay_lag as the RPO", () => {
    const [g] = new ReplicationTracker(place, []).groups(
      reading(100, 5000, [
        sender({ state: "catchup", sentLsn: 4000, flushLsn: 3000, replayLsn: 1000, replayLagSeconds: 7.5 }),
      ]),
    );
    expect(g).toMatchObject({
      state: "resyncing",
      rpoSeconds: 7.5,
      backlogBytes: { production: 1000, in_flight: 1000, recovery: 2000 },
    });
  });

  it("never reports a negative backlog when the walsender is read after WAL moved past the primary's position", () => {
    // current_lsn read at 1000, then pg_stat_replication shows 1696 sent and replayed (seen in CI).
    const [g] = new ReplicationTracker(place, []).groups(
      reading(100, 1000, [sender({ sentLsn: 1696, flushLsn: 1696, replayLsn: 1696 })]),
    );
    expect(g).toMatchObject({ rpoSeconds: 0, backlogBytes: { production: 0, in_flight: 0, recovery: 0 } });
  });

  it("falls back to the standby's replay age only while it has unreplayed WAL, else to the time pending", () => {
    const tracker = new ReplicationTracker(place, []);
    const lagging = { applicationName: "s1", receiveLsn: 3000, replayLsn: 1000, replayAgeSeconds: 12 };
    expect(tracker.groups(reading(100, 3000, [sender()]), lagging)[0]!.rpoSeconds).toBe(12);
    const received = { ...lagging, receiveLsn: 1000 };
    // Pending since t=100 (first seen in the previous reading): 4 s later the RPO is 4.
    expect(tracker.groups(reading(104, 3000, [sender()]), received)[0]!.rpoSeconds).toBe(4);
  });

  it("reports a vanished walsender as error with RPO growing from the last contact", () => {
    const tracker = new ReplicationTracker(place, []);
    tracker.groups(
      reading(100, 2000, [sender({ sentLsn: 2000, flushLsn: 1500, replayLsn: 1000, replayLagSeconds: 2 })]),
    );
    const [g] = tracker.groups(reading(130, 9000, []));
    expect(g).toMatchObject({
      state: "error",
      rpoSeconds: 32,
      backlogBytes: { production: 7000, in_flight: 500, recovery: 500 },
    });
  });

  it("reports an expected standby never seen as error, at risk since the first poll", () => {
    const tracker = new ReplicationTracker(place, ["s2"]);
    tracker.groups(reading(100, 1000, []));
    const [g] = tracker.groups(reading(160, 4000, []));
    expect(g).toMatchObject({ name: "s2", state: "error", rpoSeconds: 60, backlogBytes: { production: 3000 } });
  });
});
