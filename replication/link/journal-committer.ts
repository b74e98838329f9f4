/**
 * Group commit on the recovery side: batches that arrive while the journal is appending go into
 * the next appendBatch together, so one fdatasync covers several link batches and the link does
 * not wait for one journal sync per batch.
 */
import type { ReplicatedWrite } from "../records.ts";
import type { RecoveryGroupPort } from "./recovery-port.ts";

export class JournalCommitter {
  private pending: ReplicatedWrite[] = [];
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private running: Promise<void> | null = null;
  /** Next seq this connection may send: a batch starting after it would leave a gap. */
  nextSeq: number;

  constructor(private readonly journal: RecoveryGroupPort) {
    this.nextSeq = journal.durableSeq + 1;
  }

  /** Resolves once the records are durable in the journal. */
  add(records: ReplicatedWrite[]): Promise<void> {
    for (const r of records) this.pending.push(r);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.running ??= this.drain();
    return done;
  }

  /** Waits until everything added so far has been appended (or failed). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      const waiters = this.waiters;
      this.pending = [];
      this.waiters = [];
      try {
        await this.journal.appendBatch(batch);
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err as Error);
      }
    }
    this.running = null;
  }
}
