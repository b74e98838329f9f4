import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Collector } from "../collector/collector.ts";
import { mapSiteStatus } from "../collector/sources/engine-map.ts";
import { createExposition } from "../exporter/exposition.ts";
import { metrics } from "../model/metrics.ts";
import { groupStatus, siteStatus } from "../test/collector/support/site-status.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { EmbeddedStore } from "./embedded-store.ts";
import { HistoryRecorder } from "./recorder.ts";
import { SnapshotSamples } from "./snapshot-samples.ts";
import { type HistorySample, type HistoryWriter, storable } from "./store.ts";

let clock = 1_700_000_010;
function collectorAt() {
  const collector = new Collector({
    sources: [
      { name: "paris", kind: "push", staleAfterSeconds: Number.POSITIVE_INFINITY, start() {}, stop: async () => {} },
    ],
    rateWindowSeconds: 60,
    clock: () => clock,
  });
  const feed = (timestamp: number, rpoSeconds: number) =>
    collector
      .sinkFor("paris")
      .snapshot(
        mapSiteStatus(siteStatus([groupStatus("finance", ["db", "logs"], { rpoSeconds })], timestamp), "acme"),
        {
          durationSeconds: 0,
          samples: 1,
        },
      );
  return { collector, feed };
}

/** `name{a="1",b="2"} value` with labels sorted, the same text for a parsed line and a sample. */
const seriesText = (name: string, labels: Record<string, string>, value: number) =>
  `${name}{${Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}} ${value}`;

function parseExposition(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries(
      [...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    out.push(seriesText(m[1]!, labels, Number(m[3])));
  }
  return out.sort();
}

/** A writer that keeps what it is given, to see how often and what the recorder writes. */
class KeptWriter implements HistoryWriter {
  readonly batches: HistorySample[][] = [];
  closed = false;
  async write(samples: readonly HistorySample[]) {
    this.batches.push([...samples]);
  }
  async close() {
    this.closed = true;
  }
}

describe("history recording", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir("history-recorder");
  });
  afterEach(() => removeTempDir(dir));

  it("samples exactly the series and values /metrics exports (non-finite values aside), overrides included", () => {
    const { collector, feed } = collectorAt();
    feed(1_700_000_002, 4);
    const overrides = {
      notifications: (_s: unknown, _n: number, emit: (l: readonly string[], v: number) => void) =>
        emit(["trap", "nms1", "sent"], 3),
    };
    const snapshot = collector.current();
    const exported = parseExposition(
      createExposition(overrides).render(snapshot, snapshot.timestamp, "prometheus").toString(),
    );
    const recorded = new SnapshotSamples(overrides)
      .of(snapshot)
      .filter(storable)
      .map((s) => seriesText(s.metric, s.labels, s.value))
      .sort();
    expect(recorded).toEqual(exported.filter((line) => Number.isFinite(Number(line.split(" ").pop()))));
    expect(recorded).toContain('rpowatch_notifications_total{channel="trap",destination="nms1",result="sent"} 3');
    expect(recorded.length).toBeGreaterThan(50);
  });

  it("writes each new snapshot once, at the collector's time, and nothing while the collector is idle", async () => {
    const { collector, feed } = collectorAt();
    const writer = new KeptWriter();
    const recorder = new HistoryRecorder({
      feed: collector,
      samples: new SnapshotSamples(),
      writer,
      intervalSeconds: 3600,
    });
    recorder.start();
    feed(1_700_000_002, 4);
    await recorder.record();
    await recorder.record();
    expect(writer.batches).toHaveLength(1);
    expect(new Set(writer.batches[0]!.map((s) => s.timestamp))).toEqual(new Set([clock]));
    clock += 10;
    feed(1_700_000_012, 9);
    await recorder.stop();
    expect(writer.batches).toHaveLength(2);
    expect(writer.closed).toBe(true);
  });

  it("records into the embedded store: the group RPO of each snapshot reads back with its tags", async () => {
    const { collector, feed } = collectorAt();
    const store = await EmbeddedStore.open(join(dir, "h.duckdb"), { now: () => clock });
    const recorder = new HistoryRecorder({
      feed: collector,
      samples: new SnapshotSamples(),
      writer: store,
      intervalSeconds: 3600,
    });
    recorder.start();
    clock = 1_700_000_040;
    feed(1_700_000_038, 4);
    await recorder.record();
    clock = 1_700_000_100;
    feed(1_700_000_098, 9);
    await recorder.record();
    const [series, ...others] = await store.range({
      metric: metrics.groupRpo.name,
      match: { group: "finance" },
      from: 1_700_000_000,
      to: 1_700_000_200,
      stepSeconds: 60,
      aggregate: "max",
    });
    expect(others).toEqual([]);
    expect(series!.labels).toEqual({ tenant: "acme", site: "paris", group: "finance", source: "paris" });
    expect([...series!.timestamps]).toEqual([1_700_000_040, 1_700_000_100]);
    // RPO as exported: the reported 4 s and 9 s plus the 2 s the data had aged at the collector's time.
    expect([...series!.values]).toEqual([6, 11]);
    await recorder.stop();
  });
});
