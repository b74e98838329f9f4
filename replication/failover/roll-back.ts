/**
 * Rolls a group's replicas back to a recovery point, in place: every range written after the point
 * is rewritten with its content at the point, read through a journal pin (replica plus undo).
 *
 * Why this is safe to repeat after a crash: a pinned read of a range some later write covers comes
 * from that write's undo, not from the replica, so rewriting the replica does not change what the
 * next read returns. A kill -9 halfway leaves the replica partly rolled back, and running this
 * again from the start gives the same bytes. It needs the link sealed (nothing appended) and
 * everything durable distributed first, which it waits for.
 */
import { open } from "node:fs/promises";
import type { JournalPin } from "../journal/point-reads.ts";

/** What rolling back needs of a group's journal (replication/journal/journal.ts). */
export interface RollbackJournal {
  readonly durableSeq: number;
  readonly appliedSeq: number;
  catchUp(): Promise<void>;
  pin(seq: number, holder: string): JournalPin;
  changedAfter(volume: string, seq: number): { offset: number; length: number }[];
}

/** Rewrites at most this much per read and write, so memory stays bounded whatever a record's size. */
const CHUNK_BYTES = 1024 * 1024;

/** Returns the bytes rewritten. */
export async function rollReplicasBack(
  journal: RollbackJournal,
  seq: number,
  volumes: { name: string; path: string }[],
): Promise<number> {
  while (journal.appliedSeq < journal.durableSeq) await journal.catchUp();
  const pin = journal.pin(seq, "failover");
  let rewritten = 0;
  try {
    for (const v of volumes) {
      const file = await open(v.path, "r+");
      try {
        for (const range of journal.changedAfter(v.name, seq))
          for (let at = range.offset; at < range.offset + range.length; at += CHUNK_BYTES) {
            const length = Math.min(CHUNK_BYTES, range.offset + range.length - at);
            const bytes = await pin.read(v.name, at, length);
            await file.write(bytes, 0, length, at);
            rewritten += length;
          }
        await file.datasync();
      } finally {
        await file.close();
      }
    }
  } finally {
    pin.release();
  }
  return rewritten;
}
