/**
 * Retention carried out: plans with planTrim (retention.ts) from the segments, the window target,
 * the capacity and the live pins, then applies the plan. Runs after distribution and every 30 s.
 */
import { syncDir } from "./files.ts";
import { planTrim } from "./retention.ts";
import type { JournalState } from "./state.ts";

const RETENTION_CHECK_MS = 30_000;

export class Trimmer {
  private warnedSpaceBlocked = false;
  private warnedPinned = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly s: JournalState) {
    this.timer = setInterval(() => void this.enforce(), RETENTION_CHECK_MS).unref();
  }

  /** Applies time and space retention now. */
  async enforce(): Promise<void> {
    const s = this.s;
    if (s.closed || s.resyncing) return;
    try {
      await s.imageLock.run(() => s.journalLock.run(() => this.trim()));
    } catch (err) {
      s.logger.error({ err }, "journal: retention failed");
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async trim(): Promise<void> {
    const s = this.s;
    if (s.closed || s.resyncing) return;
    const { window, capacity } = s.opts.group.retention;
    const usedBytes = s.store.usedBytes();
    const plan = planTrim(
      s.index.trimCandidates(s.store.list()),
      { appliedSeq: s.window.appliedSeq, usedBytes, capacityBytes: capacity, cutoffTimestamp: s.now() - window },
      s.pins.all(),
    );
    if (plan.blockedByUndistributed && !this.warnedSpaceBlocked)
      s.logger.warn(
        { usedBytes, capacity, undistributedBytes: s.index.undistributedBytes },
        "journal: over capacity but only undistributed data remains; never evicted, new batches may be refused",
      );
    this.warnedSpaceBlocked = plan.blockedByUndistributed;
    if (plan.blockedByPins && !this.warnedPinned)
      s.logger.warn(
        { usedBytes, capacity, pins: s.pins.status((seq) => s.window.timestampAt(seq)) },
        "journal: over capacity but the oldest history is pinned by readers; kept until they release it",
      );
    this.warnedPinned = plan.blockedByPins;
    if (plan.steps.length === 0) return;
    const next = { ...s.saved, appliedSeq: s.window.appliedSeq };
    for (const step of plan.steps) {
      if (step.maxUndoSeq > next.baseSeq) {
        next.baseSeq = step.maxUndoSeq;
        next.baseTimestamp = s.window.timestampAt(step.maxUndoSeq);
      }
      if (step.reason === "time") next.trimmedBytesByTime += step.bytes;
      if (step.reason === "space") next.trimmedBytesBySpace += step.bytes;
    }
    // The window shrinks before anything is awaited, so no reader can pin a point the plan removes.
    s.window.raiseFloor(next.baseSeq);
    // The new base is durable before any segment goes, so a crash in between loses nothing that matters.
    await s.persist(next);
    for (const step of plan.steps) {
      await s.store.remove(step.ordinal);
      s.index.forgetSegment(step.ordinal);
      if (step.reason !== "reclaim") s.emit({ type: "trimmed", reason: step.reason, bytes: step.bytes });
    }
    await syncDir(s.opts.dir);
    s.index.dropUndoThrough(next.baseSeq);
    const oldest = s.window.oldestSeq();
    await s.bookmarkLog.retain((b) => b.seq >= oldest);
    const achieved = s.now() - s.window.timestampAt(oldest);
    if (plan.steps.some((step) => step.reason === "space") && achieved < window)
      s.logger.warn(
        { achievedWindowSeconds: achieved, requiredWindowSeconds: window },
        "journal: space retention cut the window short",
      );
  }
}
