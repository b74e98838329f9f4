/**
 * Samples of one metric laid out on the report's minute slots: one row per entity (its key
 * labels), one slot per minute of the period, NaN where the store holds no sample. Rows fill in
 * chunk by chunk, so a month is read a day at a time; several series of one entity (the same
 * group reported by two sources) fold into one row by the query's aggregate.
 */
import type { Aggregate, Series } from "../history/store.ts";

export interface GridRow<K extends string = string> {
  /** The key labels of the entity, e.g. tenant, site, group. */
  labels: Readonly<Record<K, string>>;
  /** One value per minute slot; NaN = no sample. */
  values: Float64Array;
}

export const SLOT_SECONDS = 60;

export class MinuteGrid<K extends string = string> {
  readonly slots: number;
  private readonly byKey = new Map<string, GridRow<K>>();

  constructor(
    readonly from: number,
    to: number,
    private readonly keyLabels: readonly K[],
    private readonly aggregate: Aggregate,
  ) {
    this.slots = Math.max(0, Math.ceil((to - from) / SLOT_SECONDS));
  }

  add(series: readonly Series[]): void {
    for (const s of series) {
      const row = this.rowFor(s.labels);
      for (let i = 0; i < s.timestamps.length; i++) {
        const slot = Math.floor((s.timestamps[i]! - this.from) / SLOT_SECONDS);
        if (slot < 0 || slot >= this.slots) continue;
        row.values[slot] = fold(this.aggregate, row.values[slot]!, s.values[i]!);
      }
    }
  }

  rows(): GridRow<K>[] {
    return [...this.byKey.values()];
  }

  row(labels: Readonly<Record<string, string>>): GridRow<K> | undefined {
    return this.byKey.get(this.keyOf(labels));
  }

  private rowFor(labels: Readonly<Record<string, string>>): GridRow<K> {
    const key = this.keyOf(labels);
    let row = this.byKey.get(key);
    if (!row) {
      const own = Object.fromEntries(this.keyLabels.map((name) => [name, labels[name] ?? ""])) as Record<K, string>;
      row = { labels: own, values: new Float64Array(this.slots).fill(Number.NaN) };
      this.byKey.set(key, row);
    }
    return row;
  }

  private keyOf(labels: Readonly<Record<string, string>>): string {
    return this.keyLabels.map((name) => JSON.stringify(labels[name] ?? "")).join(",");
  }
}

function fold(aggregate: Aggregate, held: number, next: number): number {
  if (Number.isNaN(held)) return next;
  switch (aggregate) {
    case "min":
      return Math.min(held, next);
    case "max":
      return Math.max(held, next);
    case "mean":
    case "last":
      return next;
  }
}
