/**
 * The point a read-only image session's exports read, which the operator may move while clients
 * stay connected: a read runs wholly on the pin it started with, reads begun after a move see the
 * new point, and the old pin is released once its last read has finished (so no read in flight
 * fails because its point was let go under it).
 */
import type { PointReader } from "./point-in-time-image.ts";

/** A held point of the journal (a journal pin satisfies it). */
export interface HeldPoint extends PointReader {
  release(): void;
}

interface Holding {
  point: HeldPoint;
  reads: number;
  /** Set once the point was replaced: the last read to finish releases it. */
  replaced?: () => void;
}

export class MovablePoint implements PointReader {
  private current: Holding;

  constructor(point: HeldPoint) {
    this.current = { point, reads: 0 };
  }

  get seq(): number {
    return this.current.point.seq;
  }

  read(volume: string, offset: number, length: number): Promise<Buffer> {
    return this.holding((p) => p.read(volume, offset, length));
  }

  readInto(volume: string, offset: number, into: Buffer): Promise<void> {
    return this.holding((p) => p.readInto(volume, offset, into));
  }

  /** Reads from now on see `point`; resolves once the previous point is released (its reads done). */
  moveTo(point: HeldPoint): Promise<void> {
    const old = this.current;
    this.current = { point, reads: 0 };
    return release(old);
  }

  /** Lets the point go once reads in flight are done (the session's end). */
  release(): Promise<void> {
    return release(this.current);
  }

  /** Runs one read on the current point, which is kept until the read is done. */
  private async holding<T>(read: (p: HeldPoint) => Promise<T>): Promise<T> {
    const h = this.current;
    h.reads++;
    try {
      return await read(h.point);
    } finally {
      if (--h.reads === 0) h.replaced?.();
    }
  }
}

function release(h: Holding): Promise<void> {
  if (h.reads === 0) {
    h.point.release();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    h.replaced = () => {
      h.point.release();
      resolve();
    };
  });
}
