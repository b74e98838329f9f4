/**
 * Point-in-time reads: a volume's content as of any seq in the window, rebuilt from the replica
 * rolled back by undo records or forward by undistributed redo. A reader takes a pin (pins.ts)
 * instead of the image lock, so reading an old point never stalls distribution.
 *
 * Why a read without the lock is exact: distribution makes each undo durable and indexed before
 * it touches the replica (distribution.ts). So the undo list taken after the replica read holds
 * every seq that may show in the bytes read, and the value of a byte at `seq` is the undo of the
 * smallest seq > `seq` covering it, else the newest redo <= `seq` not yet applied when the read
 * began, else the replica's.
 */
import type { PayloadLocation } from "./extents.ts";
import { overlay } from "./extents.ts";
import type { Pin } from "./pins.ts";
import type { JournalState } from "./state.ts";

/** A point of the window held for reading; retention keeps what it needs until released. */
export interface JournalPin {
  readonly seq: number;
  readonly holder: string;
  /** Volume content as of the pinned seq. */
  read(volume: string, offset: number, length: number): Promise<Buffer>;
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
      read: (volume, offset, length) => this.track(this.read(pin, volume, offset, length)),
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

  private async read(pin: Pin, volume: string, offset: number, length: number): Promise<Buffer> {
    const s = this.s;
    s.assertOpen();
    s.replicas.checkRange(volume, offset, length);
    this.assertLive(pin);
    const forward = s.index.pendingOf(volume, s.window.appliedSeq, pin.seq);
    const out = await s.replicas.read(volume, offset, length);
    const back = s.index.undoOf(volume, pin.seq, Number.POSITIVE_INFINITY);
    const payload = (loc: PayloadLocation, n: number) => s.store.read(loc.ordinal, loc.at, n);
    for (const redo of forward) await overlay(out, offset, redo, payload);
    // The undo with the smallest seq > pin.seq covering a byte holds its value at pin.seq: apply newest first.
    for (let i = back.length - 1; i >= 0; i--) await overlay(out, offset, back[i]!, payload);
    this.assertLive(pin);
    return out;
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
