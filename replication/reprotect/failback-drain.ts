/**
 * A planned failback at the group's production site (site-turns.ts): the group is frozen (writes
 * refused), what it acknowledged ships until all of it is durable at the other site, which is then
 * asked to take the group. Its progress — bytes still to be made durable there, bytes shipped,
 * ratio, ETA from the observed rate — is the group's `failback` status.
 *
 * The group and its link are looked up at each step, not held: a reopen of the site's sides (another
 * group turning direction) replaces both, and the failback goes on with the new ones once the link
 * is up again; so does it when the other site restarts. It fails only after `stallMs` without
 * progress (link down, the other site stuck), or when the other site refuses the hand-over; the
 * group stays frozen until the failback is asked again or cancelled (docs/recovery.md "Failback").
 */
import { LinkLost } from "../link/shipper.ts";
import type { GroupFailbackStatus } from "../status.ts";

/** What the failback reads of the frozen production group. */
export interface DrainingGroup {
  /** Bytes acknowledged here and not yet durable at the other site (queued, or in dirty maps). */
  undurableBytes(): number;
  /** Every acknowledged change is durable at the other site. */
  readonly drained: boolean;
}

/** The site's side of the group as it is now. */
export interface FailbackSide {
  /** The frozen group, or null while the site reopens its sides. */
  group(): DrainingGroup | null;
  /** The link to the other site is up. */
  linkUp(): boolean;
  /** The other site took the group: it fenced it here. */
  taken(): boolean;
  /** Asks the other site to take the group; rejects with LinkLost when the link went down first. */
  handOver(): Promise<void>;
}

const POLL_MS = 50;

export class FailbackDrain {
  private phaseNow: "draining" | "handing-over" | "failed" = "draining";
  private error?: string;
  private cancelled = false;
  private handedOver = false;
  private readonly initialBytes: number;
  /** Undurable bytes when the group was last seen (while the sides reopen, it is not). */
  private lastBytes: number;
  private readonly started = performance.now();
  readonly startedAt = Date.now() / 1000;

  constructor(
    readonly toSite: string,
    private readonly side: FailbackSide,
  ) {
    this.initialBytes = this.lastBytes = side.group()?.undurableBytes() ?? 0;
  }

  get phase(): "draining" | "handing-over" | "failed" {
    return this.phaseNow;
  }

  /** Drains, then hands the group over; throws when cancelled, stalled or refused. */
  async run(stallMs: number, what: string): Promise<void> {
    await this.drain(stallMs, what);
    this.phaseNow = "handing-over";
    await this.handOver(stallMs, what);
    this.handedOver = true;
  }

  private async drain(stallMs: number, what: string): Promise<void> {
    let least = this.undurableBytes();
    let lastProgress = performance.now();
    while (!this.side.group()?.drained) {
      if (this.cancelled) throw new Error(`${what} was cancelled`);
      const left = this.undurableBytes();
      if (left < least) [least, lastProgress] = [left, performance.now()];
      if (performance.now() - lastProgress > stallMs)
        throw new Error(
          `${what}: ${left} bytes still not durable at ${this.toSite}, none shipped for ${stallMs / 1000} s`,
        );
      await sleep(POLL_MS);
    }
  }

  /**
   * Asks the other site to take the group, again after the link came back if it went down first.
   * A reconnection fences the group here when the other site took it before the link went down.
   */
  private async handOver(stallMs: number, what: string): Promise<void> {
    let since = performance.now();
    for (;;) {
      if (this.side.taken()) return;
      if (this.side.linkUp())
        try {
          await this.side.handOver();
          return;
        } catch (err) {
          if (!(err instanceof LinkLost)) throw err;
          since = performance.now();
        }
      if (performance.now() - since > stallMs)
        throw new Error(`${what}: the link to ${this.toSite} has been down for ${stallMs / 1000} s, not handed over`);
      await sleep(POLL_MS);
    }
  }

  private undurableBytes(): number {
    const g = this.side.group();
    if (g) this.lastBytes = g.undurableBytes();
    return this.lastBytes;
  }

  /** Draining, or handing over and not yet answered. */
  get running(): boolean {
    return this.phaseNow === "draining" || (this.phaseNow === "handing-over" && !this.handedOver);
  }

  cancel(): void {
    this.cancelled = true;
  }

  fail(error: string): void {
    this.phaseNow = "failed";
    this.error = error;
  }

  status(): GroupFailbackStatus {
    const remaining = this.phaseNow === "handing-over" ? 0 : this.undurableBytes();
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
