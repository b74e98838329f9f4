/**
 * Which whole segments retention may delete, oldest first (docs/journal.md §3). Time: a segment
 * goes once its newest undo is at or before `now - window`, so one point at or before the cutoff
 * always survives. Space: while the journal is over capacity, the oldest distributed history goes
 * first. Never a segment holding undistributed redo, and never past one (RecoverPoint evicts
 * distributed images only: 000_e7ab14c372fca572.txt L110). Never a segment holding a record a
 * pinned reader may still read (a seq above a pin's floor), and never past one.
 */
import type { SegmentUsage } from "./journal-load.ts";

export interface TrimCandidate extends SegmentUsage {
  ordinal: number;
  size: number;
}

export interface TrimStep {
  ordinal: number;
  /** `reclaim`: only redo already distributed (its undo lives on in later segments), no history lost. */
  reason: "time" | "space" | "reclaim";
  bytes: number;
  maxUndoSeq: number;
  maxUndoTimestamp: number;
}

export interface TrimPlan {
  steps: TrimStep[];
  /** Over capacity, but the oldest remaining segment still holds undistributed redo. */
  blockedByUndistributed: boolean;
  /** Over capacity, but the oldest remaining segment holds records a pinned reader may read. */
  blockedByPins: boolean;
}

/** What retention needs of a pin (pins.ts): records with seq > floorSeq may still be read. */
export interface PinnedFloor {
  floorSeq: number;
}

export function planTrim(
  oldestFirst: readonly TrimCandidate[],
  p: { appliedSeq: number; usedBytes: number; capacityBytes: number; cutoffTimestamp: number },
  pins: readonly PinnedFloor[],
): TrimPlan {
  const steps: TrimStep[] = [];
  const pinnedFloor = Math.min(...pins.map((pin) => pin.floorSeq));
  let used = p.usedBytes;
  for (const seg of oldestFirst) {
    const overCapacity = used > p.capacityBytes;
    if (seg.maxRedoSeq > p.appliedSeq) return { steps, blockedByUndistributed: overCapacity, blockedByPins: false };
    if (Math.max(seg.maxRedoSeq, seg.maxUndoSeq) > pinnedFloor)
      return { steps, blockedByUndistributed: false, blockedByPins: overCapacity };
    const reclaim = seg.maxUndoSeq === 0;
    const aged = seg.maxUndoTimestamp <= p.cutoffTimestamp;
    if (!reclaim && !aged && !overCapacity) break;
    steps.push({
      ordinal: seg.ordinal,
      reason: reclaim ? "reclaim" : aged ? "time" : "space",
      bytes: seg.size,
      maxUndoSeq: seg.maxUndoSeq,
      maxUndoTimestamp: seg.maxUndoTimestamp,
    });
    used -= seg.size;
  }
  return { steps, blockedByUndistributed: false, blockedByPins: false };
}
