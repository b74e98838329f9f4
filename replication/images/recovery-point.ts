/**
 * Recovery points of a consistency group: every volume at one sequence point of the journal. A
 * point is asked for as the latest, a time, a named bookmark, or the latest bookmark at or before a
 * time; resolving it is a pure function of what the journal holds now, so a bad request is refused
 * with the reason before anything is opened.
 */
import { isoTime } from "../../lib/iso-time.ts";
import type { Bookmark } from "../records.ts";

/** What the journal tells about its window (RecoveryGroup satisfies it). */
export interface JournalWindow {
  readonly resyncing: boolean;
  recoverableRange(): { oldestSeq: number; oldestTimestamp: number; newestSeq: number; newestTimestamp: number };
  /** Bookmarks inside the window, in seq order. */
  bookmarks(): Bookmark[];
  seqAtOrBefore(timestamp: number): number | null;
  /** Source time of a seq inside the window. */
  timestampOf(seq: number): number;
}

export type PointSpec =
  | { kind: "latest" }
  | { kind: "time"; timestamp: number }
  | { kind: "bookmark"; name: string }
  | { kind: "bookmark-before"; timestamp: number };

export interface RecoveryPoint {
  seq: number;
  /** Source time of the point (the time of its newest write). */
  timestamp: number;
  /** The bookmark the point was chosen by; absent for a point chosen by time or as latest. */
  bookmark?: string;
}

export interface RecoveryPoints {
  oldest: { seq: number; timestamp: number };
  newest: { seq: number; timestamp: number };
  bookmarks: Bookmark[];
}

/** A point that cannot be had: `status` 404 for an unknown bookmark, 409 while the journal holds no window, 400 otherwise. */
export class PointError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = "PointError";
  }
}

export function listPoints(journal: JournalWindow): RecoveryPoints {
  assertHasWindow(journal);
  const r = journal.recoverableRange();
  return {
    oldest: { seq: r.oldestSeq, timestamp: r.oldestTimestamp },
    newest: { seq: r.newestSeq, timestamp: r.newestTimestamp },
    bookmarks: journal.bookmarks(),
  };
}

/**
 * The point `spec` names. A time may lie anywhere from the oldest recoverable point to `now`
 * (after the newest write the image is the newest point); outside that it is refused.
 */
export function resolvePoint(journal: JournalWindow, spec: PointSpec, now: number): RecoveryPoint {
  assertHasWindow(journal);
  const r = journal.recoverableRange();
  const window = `the recoverable window is ${isoTime(r.oldestTimestamp)} .. ${isoTime(r.newestTimestamp)} (up to now for the latest image)`;
  switch (spec.kind) {
    case "latest":
      return { seq: r.newestSeq, timestamp: r.newestTimestamp };
    case "bookmark": {
      const b = journal.bookmarks().find((m) => m.name === spec.name);
      if (!b) throw new PointError(404, `no bookmark "${spec.name}" in the recoverable window`);
      return { seq: b.seq, timestamp: b.timestamp, bookmark: b.name };
    }
    case "time":
    case "bookmark-before": {
      if (!Number.isFinite(spec.timestamp) || spec.timestamp < r.oldestTimestamp || spec.timestamp > now)
        throw new PointError(400, `time ${isoTime(spec.timestamp)} is outside the window: ${window}`);
      if (spec.kind === "bookmark-before") {
        const b = journal.bookmarks().findLast((m) => m.timestamp <= spec.timestamp);
        if (!b)
          throw new PointError(404, `no bookmark at or before ${isoTime(spec.timestamp)} in the recoverable window`);
        return { seq: b.seq, timestamp: b.timestamp, bookmark: b.name };
      }
      const seq = journal.seqAtOrBefore(spec.timestamp) ?? r.oldestSeq;
      return { seq, timestamp: journal.timestampOf(seq) };
    }
  }
}

function assertHasWindow(journal: JournalWindow): void {
  if (journal.resyncing)
    throw new PointError(409, "the group is resyncing: no point in time can be recovered until it ends");
}
