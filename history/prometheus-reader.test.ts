import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVictoriaMetrics, type VictoriaMetricsInstance } from "../test/services/victoria-metrics.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { EmbeddedStore } from "./embedded-store.ts";
import { PrometheusReader } from "./prometheus-reader.ts";
import type { Aggregate, HistorySample, Series } from "./store.ts";

const DAY = 86_400;
const metric = "rpowatch_group_rpo_seconds";
const groups = Array.from({ length: 20 }, (_, i) => ({
  tenant: "acme",
  site: "prod",
  group: `g${i}`,
  source: "engine",
}));
const END = Math.floor(Date.now() / 1000 / DAY) * DAY - DAY;
const START = END - 3 * DAY;

/** Three days of 1-minute samples per group, 30 s past each minute, with a daily peak per group. */
function samples(): HistorySample[] {
  const out: HistorySample[] = [];
  for (let m = 0; m < 3 * 1440; m++) {
    groups.forEach((labels, g) => {
      const value = ((g * 31 + m * 17) % 600) + (m % 1440 === 300 + g ? 7200 : 0);
      out.push({ metric, labels, timestamp: START + m * 60 + 30, value });
    });
  }
  return out;
}

const byGroup = (series: Series[]) =>
  Object.fromEntries(series.map((s) => [s.labels.group, { t: [...s.timestamps], v: [...s.values] }]));

let vm: VictoriaMetricsInstance;
let dir: string;
beforeAll(async () => {
  vm = await startVictoriaMetrics();
  dir = await makeTempDir("history-prometheus");
});
afterAll(async () => {
  await vm?.stop();
  if (dir) await removeTempDir(dir);
});

describe("Prometheus-compatible history reader", () => {
  it("answers VictoriaMetrics' range queries with the same steps and values as the embedded store", async () => {
    const all = samples();
    await vm.importSamples(all);
    const embedded = await EmbeddedStore.open(join(dir, "h.duckdb"), {
      retention: { raw: 30 * DAY, minute: 90 * DAY, hour: 730 * DAY },
    });
    await embedded.write(all);
    await embedded.maintain();
    const reader = new PrometheusReader({ url: vm.url, timeoutSeconds: 30 });

    const compare = async (aggregate: Aggregate, stepSeconds: number, match?: Record<string, string>) => {
      const q = { metric, from: START, to: END, stepSeconds, aggregate, ...(match && { match }) };
      const fromVm = byGroup(await reader.range(q));
      const fromEmbedded = byGroup(await embedded.range(q));
      expect(Object.keys(fromVm).sort()).toEqual(Object.keys(fromEmbedded).sort());
      for (const [group, e] of Object.entries(fromEmbedded)) {
        expect(fromVm[group]!.t, `${aggregate} ${stepSeconds}s ${group}`).toEqual(e.t);
        for (const [i, v] of fromVm[group]!.v.entries()) expect(v).toBeCloseTo(e.v[i]!, 6);
      }
      return fromEmbedded;
    };
    for (const aggregate of ["min", "mean", "max", "last"] as const) {
      const daily = await compare(aggregate, DAY);
      expect(Object.keys(daily)).toHaveLength(20);
      expect(daily.g0!.t).toEqual([START, START + DAY, START + 2 * DAY]);
      await compare(aggregate, 3600, { group: "g7" });
      await compare(aggregate, 60, { group: "g3" });
    }
    // Each day's peak of g5 is at minute 305 and is its maximum (the other values stay below 600).
    const peaks = [0, 1, 2].map((d) => 7200 + ((5 * 31 + (d * 1440 + 305) * 17) % 600));
    expect((await compare("max", DAY, { group: "g5" })).g5!.v).toEqual(peaks);
    await embedded.close();
  }, 300_000);
});
