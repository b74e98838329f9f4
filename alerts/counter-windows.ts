/**
 * The built-in evaluator's memory of counters, for `increase(counter[window]) > 0` alerts: per
 * series, the points where the total changed, kept only as far back as the window needs.
 */

interface Change {
  at: number;
  total: number;
}

export class CounterWindows {
  private readonly histories = new Map<string, Change[]>();

  /**
   * Records `total` at `now` and returns how much it rose within the last `windowSeconds`: the
   * total now less the one it had when the window began (or when first seen, if later). 0 on first
   * sight, as Prometheus' increase() needs two samples. Totals arrive monotonic (the collector
   * folds source resets); one that drops anyway starts the series over rather than invent a rise.
   */
  increase(key: string, total: number, now: number, windowSeconds: number): number {
    const history = this.histories.get(key);
    if (!history || total < history[history.length - 1]!.total) {
      this.histories.set(key, [{ at: now, total }]);
      return 0;
    }
    if (total !== history[history.length - 1]!.total) history.push({ at: now, total });
    // The newest change at or before the window's start is the baseline; older ones are not needed.
    const start = now - windowSeconds;
    while (history.length > 1 && history[1]!.at <= start) history.shift();
    return total - history[0]!.total;
  }

  /** Forgets every series not in `keep` (gone from the snapshot). */
  keepOnly(keep: ReadonlySet<string>): void {
    for (const key of this.histories.keys()) if (!keep.has(key)) this.histories.delete(key);
  }

  get size(): number {
    return this.histories.size;
  }
}
