/**
 * Unknown is absent, not zero. For each source type, what it reports is mapped into the model and
 * rendered; the metric catalogue is walked and every figure that source type does not know must
 * have no sample, and no exported time is 0 ("1970" is never a claim rpowatch makes).
 */
import { describe, expect, it } from "vitest";
import type { SourceSnapshot } from "../../collector/model.ts";
import { type SeriesSample, seriesSamples } from "../../collector/series.ts";
import { SeriesMemory } from "../../collector/series-memory.ts";
import { EMPTY_SNAPSHOT, type ModelSnapshot, type SourceHealth } from "../../collector/snapshot.ts";
import { buildSourceView } from "../../collector/source-view.ts";
import { mapSiteStatus } from "../../collector/sources/engine-map.ts";
import { ReplicationTracker } from "../../collector/sources/postgres-map.ts";
import { pushBatch } from "../../collector/sources/push-batch.ts";
import { PushState } from "../../collector/sources/push-state.ts";
import type { SourceKind } from "../../model/entities.ts";
import { type MetricKey, metrics } from "../../model/metrics.ts";
import { groupStatus, siteStatus } from "./support/site-status.ts";

const T = 1_700_000_000;

/** A snapshot holding one source's data, fresh at T. */
function rendered(kind: SourceKind, snap: SourceSnapshot): SeriesSample[] {
  const view = buildSourceView("s", snap, new SeriesMemory(60));
  const health: SourceHealth = {
    source: "s",
    kind,
    up: true,
    lastSuccessTimestamp: T,
    dataTimestamp: snap.timestamp,
    staleAfterSeconds: 60,
    lastCollectDurationSeconds: 0,
    samplesIngestedTotal: 1,
    errorsTotal: 0,
    lastError: null,
  };
  const snapshot: ModelSnapshot = { ...EMPTY_SNAPSHOT, seq: 1, timestamp: T, ...view, sources: [health] };
  return [...seriesSamples(snapshot, T)];
}

/** The recovery site of the engine: it applies changes, it does not see clients' writes. */
function engineRecoverySite(): SourceSnapshot {
  const g = groupStatus("db", [], {
    direction: "recovery",
    lastBookmark: null,
    journal: {
      capacityBytes: 1e9,
      usedBytes: 0,
      undistributedBytes: 0,
      oldestRecoverableTimestamp: 0,
      newestRecoverableTimestamp: 0,
      requiredWindowSeconds: 3600,
      achievedWindowSeconds: 0,
      trimmedBytesByTime: 0,
      trimmedBytesBySpace: 0,
      storeCapacityBytes: 1e10,
      corruptRecordsTotal: 0,
      pins: [],
    },
  });
  const { lastTestFailoverTimestamp: _never, ...group } = g;
  group.volumes = [{ name: "data", sizeBytes: 4096 }];
  const site = siteStatus([group], T);
  const links = site.links.map((l) => ({ ...l, name: "lyon->paris" }));
  return mapSiteStatus({ ...site, role: "recovery", links }, "acme");
}

/** A push client sending only what the batch requires. */
function minimalPush(): SourceSnapshot {
  const state = new PushState();
  const volume = { name: "data", sizeBytes: 1, writtenBytesTotal: 5, writeOpsTotal: 1, rpoSeconds: 0 };
  const batch = pushBatch.parse({
    timestamp: T,
    groups: [
      { timestamp: T, tenant: "acme", site: "p", group: "g", state: "active", rpoSeconds: 0, volumes: [volume] },
    ],
    links: [{ timestamp: T, tenant: "acme", site: "p", link: "l", state: "up", wireBytesTotal: 1, rawBytesTotal: 1 }],
  });
  state.apply(batch);
  return state.snapshot();
}

/** PostgreSQL with one streaming standby that has not reported a replay age. */
function postgresPrimary(): SourceSnapshot {
  const tracker = new ReplicationTracker({ tenant: "acme", site: "p", peerSite: "s", rpoTargetSeconds: 60 }, []);
  const sender = {
    applicationName: "s1",
    state: "streaming",
    syncState: "async",
    sentLsn: 10,
    flushLsn: 10,
    replayLsn: 10,
    replayLagSeconds: null,
  };
  const groups = tracker.groups({ now: T, currentLsn: 10, databaseBytes: 1, walRecords: 1, walSenders: [sender] });
  return { timestamp: T, groups, links: [], interfaces: [] };
}

/** Figures each source type cannot know; none of them may have a sample. */
const UNKNOWN: Array<{ kind: SourceKind; what: string; snap: () => SourceSnapshot; unknown: MetricKey[] }> = [
  {
    kind: "engine",
    what: "a recovery site with an empty journal and no drill ever run",
    snap: engineRecoverySite,
    unknown: [
      "volumeWrittenBytes",
      "volumeWriteOps",
      "volumeTrimmedBytes",
      "volumeChangeRate",
      "volumeRpo",
      "groupChangeRate",
      "groupDrainRate",
      "groupDrainEta",
      "groupDrainEtaValid",
      "groupRpoAtRisk",
      "groupLastBookmark",
      "groupLastTestFailover",
      "journalOldest",
      "journalNewest",
    ],
  },
  {
    kind: "push",
    what: "a batch with only the required fields",
    snap: minimalPush,
    unknown: [
      "volumeTrimmedBytes",
      "groupBacklogWrites",
      "groupLastBookmark",
      "groupLastTestFailover",
      "linkRtt",
      "linkReconnects",
      "linkAuthFailures",
    ],
  },
  {
    kind: "postgres",
    what: "a primary with a streaming standby",
    snap: postgresPrimary,
    unknown: ["volumeTrimmedBytes", "groupBacklogWrites", "groupLastBookmark", "groupLastTestFailover"],
  },
];

describe("a figure a source does not know is not exported", () => {
  for (const { kind, what, snap, unknown } of UNKNOWN) {
    it(`${kind}: ${what}`, () => {
      const samples = rendered(kind, snap());
      const exported = new Set(samples.map((s) => s.metric));
      // The source did report entities: what it knows is there.
      expect(exported.has(metrics.volumeSize.name)).toBe(true);
      for (const key of Object.keys(metrics) as MetricKey[]) {
        if (unknown.includes(key)) expect(exported.has(metrics[key].name), metrics[key].name).toBe(false);
      }
      for (const key of Object.keys(metrics) as MetricKey[]) {
        if (metrics[key].unit !== "timestamp_seconds") continue;
        for (const s of samples.filter((x) => x.metric === metrics[key].name))
          expect(s.value, s.metric).toBeGreaterThan(0);
      }
    });
  }
});
