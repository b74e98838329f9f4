/**
 * Folds partial rows (raw samples or tier rows) into one value per series and step, in JS as the
 * rows stream in. The embedded store hands rows over unsorted and ungrouped: grouping a day of
 * 1,000 volumes by series and step in DuckDB costs several times the scan, while rows arrive here
 * almost in time order per series (tables are appended in time order), so folding is one
 * comparison per row and a sort only for a series whose rows came out of order.
 */
import type { Aggregate, Series } from "./store.ts";

/**
 * One series' steps so far: `v` is a row's partial value and `w` its weight (for mean, a sum and
 * its count; for last, the value and its time; unused for min and max). Typed and grown by
 * doubling, as a report reads tens of millions of rows.
 */
interface Steps {
  n: number;
  steps: Float64Array;
  v: Float64Array;
  w: Float64Array;
  /** False once a row's step came before the series' latest step. */
  ordered: boolean;
}

function steps(capacity: number): Steps {
  return {
    n: 0,
    steps: new Float64Array(capacity),
    v: new Float64Array(capacity),
    w: new Float64Array(capacity),
    ordered: true,
  };
}

function push(s: Steps, step: number, v: number, w: number): void {
  if (s.n === s.steps.length) {
    for (const k of ["steps", "v", "w"] as const) {
      const grown = new Float64Array(s.n * 2);
      grown.set(s[k]);
      s[k] = grown;
    }
  }
  s.steps[s.n] = step;
  s.v[s.n] = v;
  s.w[s.n] = w;
  s.n++;
}

export class StepFold {
  /** Indexed by series id (small, dense integers): cheaper than a map at a row's rate. */
  private readonly bySeries: (Steps | undefined)[] = [];
  /** First capacity of a series: every step of the range, up to a bound for long sparse ranges. */
  private readonly capacity: number;

  /** Folds rows of [from, to) into steps of `stepSeconds`. */
  constructor(
    from: number,
    to: number,
    private readonly stepSeconds: number,
    private readonly aggregate: Aggregate,
  ) {
    this.capacity = Math.max(1, Math.min(Math.ceil((to - from) / stepSeconds) + 1, 4096));
  }

  add(series: number, ts: number, v: number, w: number): void {
    let s = this.bySeries[series];
    if (!s) {
      s = steps(this.capacity);
      this.bySeries[series] = s;
    }
    // The same expression as the tiers' bucket: floor(ts / step) * step.
    const step = Math.floor(ts / this.stepSeconds) * this.stepSeconds;
    const last = s.n - 1;
    if (last >= 0 && s.steps[last] === step) {
      this.fold(s, last, v, w);
      return;
    }
    if (last >= 0 && step < s.steps[last]!) s.ordered = false;
    push(s, step, v, w);
  }

  private fold(s: Steps, i: number, v: number, w: number): void {
    switch (this.aggregate) {
      case "min":
        if (v < s.v[i]!) s.v[i] = v;
        return;
      case "max":
        if (v > s.v[i]!) s.v[i] = v;
        return;
      case "mean":
        s.v[i] = s.v[i]! + v;
        s.w[i] = s.w[i]! + w;
        return;
      case "last":
        if (w > s.w[i]!) {
          s.v[i] = v;
          s.w[i] = w;
        }
    }
  }

  /** The folded series in ascending series id, steps ascending; `labels` names each id. */
  series(labels: (id: number) => Readonly<Record<string, string>>): Series[] {
    const out: Series[] = [];
    this.bySeries.forEach((found, id) => {
      if (!found) return;
      const s = this.ordered(found);
      const values = s.v.subarray(0, s.n);
      if (this.aggregate === "mean") for (let i = 0; i < s.n; i++) values[i] = values[i]! / s.w[i]!;
      out.push({ labels: labels(id), timestamps: s.steps.subarray(0, s.n), values });
    });
    return out;
  }

  /** The series' steps sorted, rows of one step folded together. */
  private ordered(s: Steps): Steps {
    if (s.ordered) return s;
    const order = Array.from({ length: s.n }, (_, i) => i).sort((a, b) => s.steps[a]! - s.steps[b]! || a - b);
    const out = steps(s.n);
    for (const i of order) {
      const last = out.n - 1;
      if (last >= 0 && out.steps[last] === s.steps[i]) this.fold(out, last, s.v[i]!, s.w[i]!);
      else push(out, s.steps[i]!, s.v[i]!, s.w[i]!);
    }
    return out;
  }
}
