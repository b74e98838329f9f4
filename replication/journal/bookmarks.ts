/** Bookmarks: named points of the window, kept in bookmarks.log while their seq stays recoverable. */
import type { Bookmark } from "../records.ts";
import type { JournalState } from "./state.ts";

export async function addBookmark(s: JournalState, b: Bookmark): Promise<void> {
  await s.journalLock.run(async () => {
    s.assertWritable();
    const durable = s.window.durableSeq;
    if (typeof b.name !== "string" || b.name.length === 0) throw new Error("bookmark needs a name");
    if (!Number.isSafeInteger(b.seq) || b.seq > durable)
      throw new Error(`bookmark "${b.name}" at seq ${b.seq} is not durable (durableSeq ${durable})`);
    if (b.seq < s.window.oldestSeq())
      throw new RangeError(`bookmark "${b.name}" at seq ${b.seq} ${s.window.describe()}`);
    await s.bookmarkLog.add({ name: b.name, seq: b.seq, timestamp: b.timestamp });
  });
  s.emit({ type: "bookmark", bookmark: { name: b.name, seq: b.seq, timestamp: b.timestamp } });
}

/** Bookmarks still inside the recoverable window, in seq order. */
export function bookmarksInWindow(s: JournalState): Bookmark[] {
  if (s.resyncing) return [];
  const [oldest, newest] = [s.window.oldestSeq(), s.window.newestSeq()];
  return s.bookmarkLog
    .all()
    .filter((b) => b.seq >= oldest && b.seq <= newest)
    .sort((a, b) => a.seq - b.seq);
}
