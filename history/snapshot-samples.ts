/**
 * The history samples of a snapshot: every catalogue metric read through the one series table
 * (collector/series.ts) with the exporter's overrides, so history holds exactly the series
 * /metrics exports. (collector's seriesSamples() takes no overrides, so the notifier's and the
 * history buffer's own counters would be missing; the table is read here instead.)
 * Samples carry the metric's labels by name (the tags of dashboards/influx-schema.ts) and the
 * snapshot's collector time.
 */
import { type Extractor, extractors } from "../collector/series.ts";
import type { ModelSnapshot } from "../collector/snapshot.ts";
import { labelNames, type MetricKey, metrics } from "../model/metrics.ts";
import type { HistorySample } from "./store.ts";

/** Extractors replacing the table's for values kept outside the snapshot (the exporter's overrides). */
export type SeriesOverrides = Partial<Record<MetricKey, Extractor>>;

interface Family {
  name: string;
  labelNames: readonly string[];
  extract: Extractor;
}

export class SnapshotSamples {
  private readonly families: Family[];
  /**
   * Label objects by the extractor's label-value array: extractors keep an entity's array from one
   * snapshot to the next, so its label object (and the store's series lookup by it) is reused too.
   */
  private readonly labelObjects = new WeakMap<readonly string[], Map<readonly string[], Record<string, string>>>();

  constructor(overrides: SeriesOverrides = {}) {
    this.families = (Object.keys(metrics) as MetricKey[]).map((key) => ({
      name: metrics[key].name,
      labelNames: labelNames(metrics[key]),
      extract: overrides[key] ?? extractors[key],
    }));
  }

  of(snapshot: ModelSnapshot): HistorySample[] {
    const out: HistorySample[] = [];
    const timestamp = snapshot.timestamp;
    for (const family of this.families) {
      family.extract(snapshot, timestamp, (values, value) => {
        out.push({ metric: family.name, labels: this.labels(family.labelNames, values), value, timestamp });
      });
    }
    return out;
  }

  private labels(names: readonly string[], values: readonly string[]): Record<string, string> {
    let byNames = this.labelObjects.get(values);
    if (!byNames) {
      byNames = new Map();
      this.labelObjects.set(values, byNames);
    }
    let labels = byNames.get(names);
    if (!labels) {
      labels = Object.fromEntries(names.map((n, i) => [n, values[i]!]));
      byNames.set(names, labels);
    }
    return labels;
  }
}
