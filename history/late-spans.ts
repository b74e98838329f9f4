/**
 * The spans of late points whose minute and hour buckets the InfluxDB store's upkeep recomputes
 * (history/influx-store.ts): recorded by each write that holds late points, merged, and taken by
 * the next upkeep run. A buffer replay writes many late batches one after the other, each with the
 * same measurements and a few seconds of points; merged, they are one span to recompute.
 */
import { TIER_WIDTH } from "./tiers.ts";

/** Whole minutes [from, to) of these measurements, Unix seconds. */
export interface LateSpan {
  measurements: string[];
  from: number;
  to: number;
}

export class LateSpans {
  /** Per measurement, its minutes waiting for a run, as disjoint runs [from, to) in no particular order. */
  private readonly runs = new Map<string, Array<[number, number]>>();
  /** The spans a run has taken and not yet settled. */
  private taken: LateSpan[] = [];

  /** Records points of these measurements from `oldest` to `newest` (seconds, inclusive). */
  add(measurements: Iterable<string>, oldest: number, newest: number): void {
    const minute = TIER_WIDTH.minute;
    this.addSpan(measurements, Math.floor(oldest / minute) * minute, (Math.floor(newest / minute) + 1) * minute);
  }

  /** Records whole spans (read back from where they were kept). */
  restore(spans: readonly LateSpan[]): void {
    for (const s of spans) this.addSpan(s.measurements, s.from, s.to);
  }

  /** Whether no span waits for a run (spans taken and not settled do not count). */
  isEmpty(): boolean {
    return this.runs.size === 0;
  }

  /** The spans waiting, measurements sharing a run together; they count as taken until settled. */
  take(): LateSpan[] {
    this.taken = spansOf(this.runs);
    this.runs.clear();
    return this.taken;
  }

  /** Ends the run that took spans: those it did not recompute wait for the next, merged with any recorded since. */
  settle(unfinished: readonly LateSpan[]): void {
    this.taken = [];
    this.restore(unfinished);
  }

  /** Every span not yet recomputed, waiting or taken: what must survive a stop. */
  all(): LateSpan[] {
    return [...spansOf(this.runs), ...this.taken];
  }

  private addSpan(measurements: Iterable<string>, from: number, to: number): void {
    for (const m of measurements) this.runs.set(m, merged(this.runs.get(m) ?? [], from, to));
  }
}

/** One span covering all of these (fewer to keep, more to recompute). */
export function cover(spans: readonly LateSpan[]): LateSpan {
  return {
    measurements: [...new Set(spans.flatMap((s) => s.measurements))],
    from: Math.min(...spans.map((s) => s.from)),
    to: Math.max(...spans.map((s) => s.to)),
  };
}

function spansOf(runs: ReadonlyMap<string, ReadonlyArray<[number, number]>>): LateSpan[] {
  const byRun = new Map<string, LateSpan>();
  for (const [measurement, list] of runs) {
    for (const [from, to] of list) {
      const key = `${from} ${to}`;
      const span = byRun.get(key);
      if (span) span.measurements.push(measurement);
      else byRun.set(key, { measurements: [measurement], from, to });
    }
  }
  return [...byRun.values()];
}

/** The runs with [from, to) added, runs it overlaps or touches joined into one. */
function merged(runs: ReadonlyArray<[number, number]>, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of runs) {
    if (b < from || a > to) out.push([a, b]);
    else {
      from = Math.min(from, a);
      to = Math.max(to, b);
    }
  }
  out.push([from, to]);
  return out;
}
