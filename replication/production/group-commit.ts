import { totalLength } from "../../lib/positional-io.ts";

/**
 * Group commit: many callers ask for one expensive operation (an fdatasync) and each is answered
 * by a run that *started after* its request, so a FLUSH covers every write acknowledged before it
 * while one fsync serves a whole burst of requests (anchors.md §5: ~2k syncs/s at most).
 */
export class GroupCommit {
  private requested = 0;
  private completed = 0;
  private running: Promise<void> | null = null;

  constructor(private readonly operation: () => Promise<void>) {}

  async run(): Promise<void> {
    const ticket = ++this.requested;
    while (this.completed < ticket) {
      if (!this.running) {
        const covers = this.requested;
        this.running = this.operation()
          .then(() => {
            this.completed = Math.max(this.completed, covers);
          })
          .finally(() => {
            this.running = null;
          });
      }
      await this.running;
    }
  }
}

/**
 * Coalesces appends: while one write() is in progress, later buffers queue up and go out together
 * in the next writev(), so a burst of small client writes costs a few syscalls, not one each.
 * `writeAll` says where its write began (`Start`, e.g. file and offset); each append learns that
 * start and its own offset from it.
 */
export class AppendCoalescer<Start> {
  private pending: {
    bufs: readonly Buffer[];
    resolve: (at: { start: Start; offset: number }) => void;
    reject: (e: Error) => void;
  }[] = [];
  private writing = false;

  constructor(private readonly writeAll: (bufs: Buffer[]) => Promise<Start>) {}

  /** Appends `bufs` back to back (one record as header and data parts). */
  append(bufs: readonly Buffer[]): Promise<{ start: Start; offset: number }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ bufs, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      // Appends made in the same turn (a socket read often carries several requests) go out together.
      queueMicrotask(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        const start = await this.writeAll(batch.flatMap((p) => p.bufs));
        let offset = 0;
        for (const p of batch) {
          p.resolve({ start, offset });
          offset += totalLength(p.bufs);
        }
      } catch (err) {
        for (const p of batch) p.reject(err as Error);
      }
    }
    this.writing = false;
  }
}
