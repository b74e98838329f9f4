import { describe, expect, it } from "vitest";
import { Collector } from "../../collector/collector.ts";
import { snapshotDelta } from "../../collector/delta.ts";
import type { GroupSample, SourceSnapshot } from "../../collector/model.ts";
import type { ModelSnapshot } from "../../collector/snapshot.ts";
import type { SourceAdapter } from "../../collector/source.ts";

/** A source the test feeds through the collector's sink; start/stop have nothing to run. */
const fedSource = (name: string): SourceAdapter => ({
  name,
  kind: "push",
  staleAfterSeconds: 60,
  start() {},
  stop: async () => {},
});

function group(name: string, written: number[], backlog: number, rpo = 5): GroupSample {
  return {
    tenant: "acme",
    site: "paris",
    name,
    state: "active",
    mode: "async",
    peerSite: "lyon",
    rpoSeconds: rpo,
    rpoTargetSeconds: 1800,
    recoveryPointTimestamp: 0,
    backlogBytes: { production: backlog, in_flight: 0, recovery: 0 },
    backlogWrites: 0,
    lastBookmarkTimestamp: 0,
    bookmarkIntervalSeconds: 1800,
    syncProgressRatio: 1,
    syncEtaSeconds: 0,
    resyncRequired: false,
    lastTestFailoverTimestamp: 0,
    volumes: written.map((w, i) => ({
      name: `v${i}`,
      sizeBytes: 1,
      writtenBytesTotal: w,
      writeOpsTotal: 0,
      trimmedBytesTotal: 0,
      rpoSeconds: rpo,
    })),
    journal: null,
  };
}
const snap = (timestamp: number, groups: GroupSample[]): SourceSnapshot => ({
  timestamp,
  groups,
  links: [],
  interfaces: [],
});

describe("collector", () => {
  it("derives rates and the drain forecast from successive snapshots", () => {
    let now = 1000;
    const collector = new Collector({ sources: [fedSource("p")], rateWindowSeconds: 60, clock: () => now });
    const seen: ModelSnapshot[] = [];
    collector.subscribe((next) => seen.push(next));
    const sink = collector.sinkFor("p");
    sink.snapshot(snap(1000, [group("db", [0, 0], 10e6)]), { durationSeconds: 0.1, samples: 3 });
    now = 1010;
    // 10 s later: volumes wrote 5 MB and 15 MB (2 MB/s together); backlog fell by 5 MB (−0.5 MB/s).
    sink.snapshot(snap(1010, [group("db", [5e6, 15e6], 5e6)]), { durationSeconds: 0.1, samples: 3 });

    const s = collector.current();
    expect(seen.map((x) => x.seq)).toEqual([2, 3]);
    expect(s.volumes.map((v) => v.changeRateBytesPerSecond)).toEqual([5e5, 1.5e6]);
    const g = s.groups[0]!.derived;
    expect(g.changeRateBytesPerSecond).toBe(2e6);
    expect(g.drainRateBytesPerSecond).toBe(2.5e6); // change − d(backlog)/dt = 2 + 0.5 MB/s
    expect(g.etaSeconds).toBe(10); // 5 MB at 0.5 MB/s net
    expect(g).toMatchObject({ etaValid: true, rpoAtRisk: false, bottleneck: "production" });
    expect(s.sources[0]).toMatchObject({ up: true, samplesIngestedTotal: 6, lastSuccessTimestamp: 1010 });
  });

  it("publishes the groups of a source whose data turns stale as unknown, at that instant, and measured again after", async () => {
    const source = { ...fedSource("p"), staleAfterSeconds: 0.3 };
    const collector = new Collector({ sources: [source], rateWindowSeconds: 60 });
    collector.start();
    const published: ModelSnapshot[] = [];
    collector.subscribe((next) => published.push(next));
    const sink = collector.sinkFor("p");
    sink.snapshot(snap(Date.now() / 1000, [group("db", [1], 0)]), { durationSeconds: 0, samples: 2 });
    expect(collector.current().groups[0]!.derived.state).toBe("active");
    await new Promise((resolve) => setTimeout(resolve, 500));
    await collector.stop();
    // Nothing new came from the source; the collector published when its data turned stale.
    expect(published).toHaveLength(2);
    expect(published[1]!.groups[0]!.derived.state).toBe("unknown");
    expect(published[1]!.groups[0]!.raw.state).toBe("active");
    sink.snapshot(snap(Date.now() / 1000, [group("db", [1], 0)]), { durationSeconds: 0, samples: 2 });
    expect(collector.current().groups[0]!.derived.state).toBe("active");
  });

  it("keeps the last data of a failed source, marked down, and counts the error", () => {
    const collector = new Collector({ sources: [fedSource("p")], rateWindowSeconds: 60 });
    const sink = collector.sinkFor("p");
    sink.snapshot(snap(1000, [group("db", [1], 0)]), { durationSeconds: 0, samples: 2 });
    sink.failure(new Error("connection refused"));
    const s = collector.current();
    expect(s.volumes).toHaveLength(1);
    expect(s.sources[0]).toMatchObject({ up: false, errorsTotal: 1, lastError: "connection refused" });
  });

  it("a delta carries changed and new entities and the keys of removed ones", () => {
    const collector = new Collector({ sources: [fedSource("p")], rateWindowSeconds: 60, clock: () => 5 });
    const sink = collector.sinkFor("p");
    sink.snapshot(snap(1000, [group("db", [1, 2], 0), group("web", [3], 0)]), { durationSeconds: 0, samples: 5 });
    const before = collector.current();
    sink.snapshot(snap(1000, [group("db", [1, 2], 0, 9)]), { durationSeconds: 0, samples: 3 });
    const after = collector.current();
    const d = snapshotDelta(before, after);
    expect(d).toMatchObject({ fromSeq: before.seq, seq: after.seq });
    expect(d.remove.groups).toEqual(["p/acme/paris/web"]);
    expect(d.remove.volumes).toEqual(["p/acme/paris/web/v0"]);
    expect(d.upsert.groups.map((g) => g.derived.rpoSeconds)).toEqual([9]);
    expect(d.upsert.volumes).toHaveLength(2); // their RPO changed
    expect(d.upsert.sources).toHaveLength(1); // samples ingested grew
    expect(snapshotDelta(after, after).upsert.volumes).toEqual([]);
  });
});
