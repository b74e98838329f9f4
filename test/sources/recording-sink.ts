import type { SourceSnapshot } from "../../collector/model.ts";
import type { SourceSink } from "../../collector/source.ts";
import { waitFor } from "../support/process.ts";

/** A real SourceSink that keeps what adapters hand it, so tests can inspect the interface's output. */
export class RecordingSink implements SourceSink {
  readonly snapshots: SourceSnapshot[] = [];
  readonly failures: Error[] = [];
  readonly refusals: Error[] = [];
  private waiters: Array<() => void> = [];

  snapshot(snapshot: SourceSnapshot): void {
    this.snapshots.push(structuredClone(snapshot));
    this.wake();
  }

  failure(error: Error): void {
    this.failures.push(error);
    this.wake();
  }

  refused(error: Error): void {
    this.refusals.push(error);
  }

  last(): SourceSnapshot | undefined {
    return this.snapshots.at(-1);
  }

  /** Resolves once snapshots + failures reach `count` reports in total. */
  async reports(count: number): Promise<void> {
    while (this.snapshots.length + this.failures.length < count) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The first snapshot from now on that satisfies `accept`. */
  until(accept: (snapshot: SourceSnapshot) => boolean, what: string, timeoutMs = 30_000): Promise<SourceSnapshot> {
    const from = this.snapshots.length;
    return waitFor(() => this.snapshots.slice(from).find(accept), { timeoutMs, what, intervalMs: 50 });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
