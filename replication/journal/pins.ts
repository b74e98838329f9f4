/**
 * Pins: what a reader of an old point holds instead of a lock. A pin names the point (seq) and
 * the lowest seq whose records the reader may still need; retention never deletes a segment
 * holding a record above a live pin's floor (retention.ts), and a resync, which discards the
 * history itself, voids every pin so its reader fails instead of reading another stream.
 */
import type { PinStatus } from "../status.ts";

export interface Pin {
  readonly id: number;
  /** The point read. */
  readonly seq: number;
  /** Records with seq > floorSeq may be read under this pin. */
  readonly floorSeq: number;
  readonly holder: string;
  readonly sinceTimestamp: number;
}

export class PinSet {
  private nextId = 1;
  private readonly live = new Map<number, Pin>();

  take(p: Omit<Pin, "id">): Pin {
    const pin = { ...p, id: this.nextId++ };
    this.live.set(pin.id, pin);
    return pin;
  }

  release(pin: Pin): void {
    this.live.delete(pin.id);
  }

  isLive(pin: Pin): boolean {
    return this.live.get(pin.id) === pin;
  }

  /** The pins retention must respect. */
  all(): Pin[] {
    return [...this.live.values()];
  }

  /** A resync discarded the history every pin pointed into. */
  voidAll(): void {
    this.live.clear();
  }

  status(timestampAt: (seq: number) => number): PinStatus[] {
    return this.all().map((p) => ({
      holder: p.holder,
      seq: p.seq,
      timestamp: timestampAt(p.seq),
      sinceTimestamp: p.sinceTimestamp,
    }));
  }
}
