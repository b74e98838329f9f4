/**
 * Resync: while the production site copies differing blocks onto the replica, the journal holds no
 * history (it would not match what the replica becomes); when the copy ends, the window restarts
 * at the seq the replica is now consistent with.
 */
import type { JournalState } from "./state.ts";

/** Starts a resync: the history no longer matches what the replica will become, so it is discarded. */
export async function beginResync(s: JournalState): Promise<void> {
  await s.imageLock.run(() =>
    s.journalLock.run(async () => {
      s.assertOpen();
      if (!s.resyncing) await s.persist({ ...s.saved, resyncing: true, historyResets: s.saved.historyResets + 1 });
      await resetHistory(s);
    }),
  );
  s.logger.warn({ group: s.name }, "journal: resync started, point-in-time history reset");
}

export async function writeResyncBlock(s: JournalState, volume: string, offset: number, data: Buffer): Promise<void> {
  s.replicas.checkRange(volume, offset, data.length);
  await s.imageLock.run(async () => {
    s.assertResyncing();
    await s.replicas.write(volume, offset, data);
  });
}

export function blockChecksums(
  s: JournalState,
  volume: string,
  offset: number,
  length: number,
  blockSize: number,
): Promise<Buffer[]> {
  return s.imageLock.run(() => s.replicas.checksums(volume, offset, length, blockSize));
}

/** The replica is now consistent at `atSeq`: the window restarts there. */
export async function endResync(s: JournalState, atSeq: number, timestamp: number): Promise<void> {
  if (!Number.isSafeInteger(atSeq) || atSeq < 0) throw new Error(`invalid seq ${atSeq}`);
  await s.imageLock.run(() =>
    s.journalLock.run(async () => {
      s.assertResyncing();
      await s.replicas.sync();
      await s.persist({ ...s.saved, resyncing: false, baseSeq: atSeq, baseTimestamp: timestamp, appliedSeq: atSeq });
      s.window.restart(atSeq, timestamp);
    }),
  );
  s.logger.info({ group: s.name, atSeq }, "journal: resync ended");
}

/** Drops every segment, index entry, bookmark and pin: the points they named no longer exist. */
export async function resetHistory(s: JournalState): Promise<void> {
  s.pins.voidAll();
  await s.store.removeAll();
  s.index.clear();
  s.window.clearGap();
  s.clearFault();
  await s.bookmarkLog.retain(() => false);
}

/**
 * A replica file that vanished while the group held data (deleted, a lost mount) would come back
 * empty and silently wrong. Its history no longer matches, so the group enters a resync: the
 * welcome tells the production site, which copies the differing blocks back.
 */
export async function resyncIfReplicaLost(s: JournalState, before: { appliedSeq: number; sourceSite?: string }) {
  const fed = before.appliedSeq > 0 || s.window.durableSeq > 0 || before.sourceSite !== undefined;
  if (s.replicas.created.length === 0 || !fed || s.resyncing) return;
  s.logger.error(
    { group: s.name, volumes: s.replicas.created },
    "journal: replica image missing, created empty; history discarded, resync required",
  );
  await beginResync(s);
}
