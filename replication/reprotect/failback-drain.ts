/**
 * The drain of a planned failback at the group's production site (site-turns.ts): the group is
 * frozen (writes refused), what it acknowledged ships until all of it is durable at the other
 * site, which is then asked to take the group. Its progress — bytes still to be made durable
 * there, bytes shipped, ratio, ETA from the observed rate — is the group's `failback` status. A
 * drain that makes no progress for `stallMs` (link down, the other site stuck) fails, the group
 * staying frozen until the failback is asked again or cancelled (docs/recovery.md "Failback").
 */
import type { GroupFailbackStatus } from "../status.ts";

/** What the drain reads of the frozen production group. */
export interface DrainingGroup {
  /** Bytes acknowledged here and not yet durable at the other site (queued, or in dirty maps). */
  undurableBytes(): number;
  /** Every acknowledged change is durable at the other site. */
  readonly drained: boolean;
}

const POLL_MS = 50;

export class FailbackDrain {
  private phaseNow: "draining" | "handing-over" | "failed" = "draining";
  private error?: string;
  private cancelled = false;
  private handedOver = false;
  private readonly initialBytes: number;
  private readonly started = performance.now();
  readonly startedAt = Date.now() / 1000;

  constructor(
    readonly toSite: string,
    private readonly g: DrainingGroup,
  ) {
    this.initialBytes = g.undurableBytes();
  }

  get phase(): "draining" | "handing-over" | "failed" {
    return this.phaseNow;
  }

  /** Resolves once drained (the phase is then `handing-over`); throws when cancelled or stalled. */
  async drain(stallMs: number, what: string): Promise<void> {
    let least = this.g.undurableBytes();
    let lastProgress = performance.now();
    while (!this.g.drained) {
      if (this.cancelled) throw new Error(`${what} was cancelled`);
      const left = this.g.undurableBytes();
      if (left < least) [least, lastProgress] = [left, performance.now()];
      if (performance.now() - lastProgress > stallMs)
        throw new Error(
          `${what}: ${left} bytes still not durable at ${this.toSite}, none shipped for ${stallMs / 1000} s`,
        );
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    this.phaseNow = "handing-over";
  }

  /** Draining, or handing over and not yet answered. */
  get running(): boolean {
    return this.phaseNow === "draining" || (this.phaseNow === "handing-over" && !this.handedOver);
  }

  /** The other site took the group; its fence and reprotect follow over the link. */
  done(): void {
    this.handedOver = true;
  }

  cancel(): void {
    this.cancelled = true;
  }

  fail(error: string): void {
    this.phaseNow = "failed";
    this.error = error;
  }

  status(): GroupFailbackStatus {
    const remaining = this.phaseNow === "handing-over" ? 0 : this.g.undurableBytes();
    const shipped = Math.max(0, this.initialBytes - remaining);
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = elapsed > 0 ? shipped / elapsed : 0;
    return {
      phase: this.phaseNow,
      toSite: this.toSite,
      startedAt: this.startedAt,
      bytesRemaining: remaining,
      bytesShipped: shipped,
      progressRatio: remaining === 0 ? 1 : this.initialBytes > 0 ? shipped / this.initialBytes : 0,
      etaSeconds: remaining === 0 ? 0 : rate > 0 ? remaining / rate : 0,
      ...(this.error !== undefined && { error: this.error }),
    };
  }
}
