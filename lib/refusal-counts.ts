/**
 * Refusals that name no source (a push without a token, a webhook post that is not JSON…), counted
 * by reason for a catalogue counter: every reason exists at 0 from the start, so rate() and
 * increase() have a series before the first refusal. Logged once per burst: the first refusal
 * after an accepted request is a warning, the rest of the burst goes to debug.
 */
import type { Logger } from "./log.ts";

export class RefusalCounts<R extends string> {
  private readonly counts: Map<R, number>;
  private inBurst = false;

  constructor(
    reasons: readonly R[],
    /** What was refused, as the log message says it ("push refused"). */
    private readonly what: string,
    private readonly logger?: Logger,
  ) {
    this.counts = new Map(reasons.map((r) => [r, 0]));
  }

  refused(reason: R, detail: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    this.logger?.[this.inBurst ? "debug" : "warn"]({ reason, err: detail }, this.what);
    this.inBurst = true;
  }

  /** A request got through: the next refusal starts a new burst. */
  accepted(): void {
    this.inBurst = false;
  }

  get(reason: R): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Exporter samples: the reason as the one label value, and its count. */
  samples(): Array<readonly [labels: readonly string[], value: number]> {
    return [...this.counts].map(([reason, count]) => [[reason], count] as const);
  }
}
