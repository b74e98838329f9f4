/**
 * Point-in-time reads: a volume's content as of any seq in the window, rebuilt from the replica
 * rolled back by undo records or forward by undistributed redo. A reader takes a pin (pins.ts)
 * instead of the image lock, so reading an old point never stalls distribution.
 *
 * Why a read without the lock is exact: distribution makes each undo durable and indexed before
 * it touches the replica (distribution.ts). So the undo indexed by the end of the replica reads
 * holds every seq that may show in the bytes read, and the value of a byte at `seq` is the undo of
 * the smallest seq > `seq` covering it, else the newest redo <= `seq` not yet applied when the read
 * began, else the replica's.
 */
import type { Pin } from "./pins.ts";
import type { Piece } from "./read-plan.ts";
import type { JournalState } from "./state.ts";

/** A point of the window held for reading; retention keeps what it needs until released. */
export interface JournalPin {
  readonly seq: number;
  readonly holder: string;
  /** Volume content as of the pinned seq. */
  read(volume: string, offset: number, length: number): Promise<Buffer>;
  /** `read` into the caller's buffer (`into.length` bytes at `offset`). */
  readInto(volume: string, offset: number, into: Buffer): Promise<void>;
  release(): void;
}

export class PointReads {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly s: JournalState) {}

  /** Pins `seq` for `holder` (shown in the journal status); RangeError outside the window. */
  pin(seq: number, holder: string): JournalPin {
    const s = this.s;
    s.assertOpen();
    s.assertInWindow(seq);
    const pin = s.pins.take({
      seq,
      // Undo above seq, and redo above what is applied now, are what reads of this point use.
      floorSeq: Math.min(seq, s.window.appliedSeq),
      holder,
      sinceTimestamp: s.now(),
    });
    return {
      seq,
      holder,
      read: async (volume, offset, length) => {
        // Checked before allocating, so a bad range gets its own error, not the allocator's.
        this.check(pin, volume, offset, length);
        const out = Buffer.allocUnsafe(length);
        await this.track(this.readInto(pin, volume, offset, out));
        return out;
      },
      readInto: (volume, offset, into) => this.track(this.readInto(pin, volume, offset, into)),
      release: () => s.pins.release(pin),
    };
  }

  /** Volume content as of `seq`, under a pin held for this one read. */
  async readAt(volume: string, seq: number, offset: number, length: number): Promise<Buffer> {
    this.s.replicas.checkRange(volume, offset, length);
    const pin = this.pin(seq, "read");
    try {
      return await pin.read(volume, offset, length);
    } finally {
      pin.release();
    }
  }

  /** Resolves when no read is running (the journal closes its files after). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Plans where each byte comes from (read-plan.ts), then reads every piece at once straight into
   * `out`: each byte is read once, from its one source, and only the replica ranges no undo or
   * redo covers touch the replica.
   */
  private async readInto(pin: Pin, volume: string, offset: number, out: Buffer): Promise<void> {
    const s = this.s;
    const length = out.length;
    this.check(pin, volume, offset, length);
    const undoSeen = s.index.lastUndoSeq(volume);
    const pieces = s.index.planRead(volume, { seq: pin.seq, appliedSeq: s.window.appliedSeq }, offset, length);
    await Promise.all(pieces.map((p) => this.fill(out, offset, volume, p)));
    // Undo indexed while the replica was read may hold bytes of a write that landed meanwhile; as
    // its undo was indexed before the replica was touched, asking once after the reads is enough.
    const replicaPieces = pieces.filter((p) => p.extent === null);
    if (replicaPieces.length > 0 && s.index.lastUndoSeq(volume) > undoSeen) {
      const late = s.index.lateUndo(volume, replicaPieces, Math.max(pin.seq, undoSeen));
      await Promise.all(late.map((p) => this.fill(out, offset, volume, p)));
    }
    this.assertLive(pin);
  }

  /** Reads one planned piece into its place in `out` (volume bytes at `offset`). */
  private async fill(out: Buffer, offset: number, volume: string, p: Piece): Promise<void> {
    const into = out.subarray(p.start - offset, p.end - offset);
    const e = p.extent;
    if (!e) await this.s.replicas.readInto(volume, p.start, into, "pool");
    else if (!e.payload) into.fill(0);
    else await this.s.store.readInto(e.payload.ordinal, e.payload.at + (p.start - e.offset), into, "pool");
  }

  private check(pin: Pin, volume: string, offset: number, length: number): void {
    this.s.assertOpen();
    this.s.replicas.checkRange(volume, offset, length);
    this.assertLive(pin);
  }

  private assertLive(pin: Pin): void {
    if (!this.s.pins.isLive(pin))
      throw new RangeError(`seq ${pin.seq}: point no longer held (released, or discarded by a resync)`);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => {});
    return p;
  }
}
