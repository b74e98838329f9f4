/**
 * Distribution: copies durable redo onto the replica images in seq order, first saving the
 * replica's old bytes as undo records, so the replica stays current and any point in the window
 * can be rebuilt by rolling back (domain.md §2.2 step 4).
 */
import { isAllZero } from "../../lib/all-zero.ts";
import { ScratchArena } from "../../lib/scratch-arena.ts";
import { extentsOf } from "./extent-index.ts";
import { copyOverlap, type Extent, earlierOverlaps, zeroOverlap } from "./extents.ts";
import { encodeRecordParts, FLAG_ZERO_PAYLOAD, type JournalRecord, RecordType } from "./record-codec.ts";
import type { JournalState } from "./state.ts";

// Distribution batches: big enough to amortize the undo fdatasync, small enough to bound memory.
const DISTRIBUTION_BATCH_BYTES = 4 * 1024 * 1024;
const DISTRIBUTION_BATCH_RECORDS = 512;

export class Distributor {
  /**
   * Old bytes and journal payloads of the batch being distributed (one batch at a time, under
   * imageLock). Payloads are read back from the journal (page cache) rather than kept from
   * receipt: held buffers outlived young-generation GC and made distribution slower (docs/engine.md).
   */
  private readonly scratch = new ScratchArena();
  private running: Promise<void> | null = null;

  constructor(
    private readonly s: JournalState,
    /** Runs after each pass (retention, which distribution makes possible). */
    private readonly afterPass: () => Promise<void>,
  ) {}

  /** Starts distributing in the background when automatic and there is work. */
  kick(): void {
    if (this.s.opts.autoDistribute !== false && !this.running && this.canDistribute()) void this.catchUp();
  }

  /** Distributes until the replicas hold every durable seq (or distribution stops on a fault). */
  catchUp(): Promise<void> {
    this.running ??= this.distributeAll().finally(() => {
      this.running = null;
      this.kick();
    });
    return this.running;
  }

  /** Resolves when no pass is running. */
  async idle(): Promise<void> {
    await this.running;
  }

  private canDistribute(): boolean {
    const s = this.s;
    return !s.closed && !s.distributionStopped && !s.resyncing && s.index.firstPendingSeq() === s.window.appliedSeq + 1;
  }

  private async distributeAll(): Promise<void> {
    try {
      while (this.canDistribute()) await this.s.imageLock.run(() => this.distributeBatch());
    } catch (err) {
      this.s.setFault(`distribution failed: ${(err as Error).message}`, true);
    }
    await this.afterPass();
  }

  private async distributeBatch(): Promise<void> {
    if (!this.canDistribute()) return;
    const s = this.s;
    const applied = s.window.appliedSeq;
    const batch: Extent[] = [];
    let bytes = 0;
    for (const e of s.index.pendingRange(applied, applied + DISTRIBUTION_BATCH_RECORDS)) {
      if (e.seq !== applied + 1 + batch.length || (batch.length > 0 && bytes + e.length > DISTRIBUTION_BATCH_BYTES))
        break;
      batch.push(e);
      bytes += e.length;
    }
    // New and old bytes of the whole batch are read concurrently (one read at a time left the disk
    // idle between them), into memory the next batch reuses.
    this.scratch.begin(2 * bytes);
    const [fresh, olds] = await Promise.all([
      Promise.all(batch.map((e) => (e.payload ? this.readPayloadInto(e, this.scratch.take(e.length)) : null))),
      Promise.all(batch.map((e) => s.replicas.readInto(e.volume, e.offset, this.scratch.take(e.length)))),
    ]);
    const overlaps = earlierOverlaps(batch);
    const undo: JournalRecord[] = [];
    for (const [i, e] of batch.entries()) {
      const old = olds[i]!;
      // Earlier writes of this batch are not on the replica yet; their new bytes are the "old" ones here.
      for (const k of overlaps[i]!) {
        const prev = batch[k]!;
        const prevBytes = fresh[k];
        if (prevBytes) copyOverlap(old, e.offset, prevBytes, prev.offset);
        else zeroOverlap(old, e.offset, prev.offset, prev.length);
      }
      const zero = isAllZero(old);
      undo.push({
        type: RecordType.undo,
        flags: zero ? FLAG_ZERO_PAYLOAD : 0,
        seq: e.seq,
        timestamp: e.timestamp,
        volume: e.volume,
        offset: e.offset,
        length: e.length,
        payload: zero ? Buffer.alloc(0) : old,
      });
    }
    // The undo is durable, and indexed, before the replica is touched: a crash can never lose the
    // old bytes, and a point-in-time reader that sees a new replica byte also sees its undo.
    const where = await s.journalLock.run(() => s.store.append(encodeRecordParts(undo), true));
    for (const extent of extentsOf(undo, where)) s.index.addUndo(extent, where.ordinal);
    await this.writeToReplicas(batch, fresh, overlaps);
    await s.replicas.sync();
    s.window.markApplied(batch.at(-1)!.seq);
    s.index.dropDistributed(s.window.appliedSeq);
    await appendAppliedMarker(s);
  }

  /**
   * Writes a batch's new bytes concurrently (one write at a time capped small random writes at one
   * thread-pool round trip each), in waves that never hold two overlapping extents: their order matters.
   */
  private async writeToReplicas(
    batch: readonly Extent[],
    fresh: readonly (Buffer | null)[],
    overlaps: readonly number[][],
  ): Promise<void> {
    const replicas = this.s.replicas;
    let wave: Promise<void>[] = [];
    let waveStart = 0;
    for (const [i, e] of batch.entries()) {
      if ((overlaps[i]!.at(-1) ?? -1) >= waveStart) {
        await Promise.all(wave);
        wave = [];
        waveStart = i;
      }
      const data = fresh[i];
      wave.push(data ? replicas.write(e.volume, e.offset, data) : replicas.writeZeroes(e.volume, e.offset, e.length));
    }
    await Promise.all(wave);
  }

  private async readPayloadInto(e: Extent, into: Buffer): Promise<Buffer> {
    await this.s.store.readInto(e.payload!.ordinal, e.payload!.at, into);
    return into;
  }
}

/** Writes one redo record's bytes to its replica (the re-apply of an interrupted distribution on open). */
export async function applyToReplica(s: JournalState, e: Extent): Promise<void> {
  if (e.payload)
    await s.replicas.write(e.volume, e.offset, await s.store.read(e.payload.ordinal, e.payload.at, e.length));
  else await s.replicas.writeZeroes(e.volume, e.offset, e.length);
}

/** Written without its own fdatasync: the next group commit covers it, and losing it only means a re-apply. */
export async function appendAppliedMarker(s: JournalState): Promise<void> {
  const applied = s.window.appliedSeq;
  const marker: JournalRecord = {
    type: RecordType.applied,
    flags: 0,
    seq: applied,
    timestamp: s.window.timestampAt(applied),
    volume: "",
    offset: 0,
    length: 0,
    payload: Buffer.alloc(0),
  };
  const where = await s.journalLock.run(() => s.store.append(encodeRecordParts([marker]), false));
  s.index.usageOf(where.ordinal);
}
