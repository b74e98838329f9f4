/**
 * Source binding: a journal replicates from the first production site that feeds it (persisted);
 * releasing it lets another site feed the group from seq 0.
 */
import { beginResync, endResync } from "./resync.ts";
import type { JournalState } from "./state.ts";

/** The production site this group replicates from; null until one has connected. */
export function sourceSite(s: JournalState): string | null {
  return s.saved.sourceSite ?? null;
}

export async function bindSource(s: JournalState, site: string): Promise<void> {
  await s.journalLock.run(async () => {
    s.assertOpen();
    await s.persist({ ...s.saved, sourceSite: site });
  });
}

/**
 * Forgets the production site and its sequence space, so another site may feed the group: the
 * point-in-time history goes (it belongs to the old stream) and the position returns to seq 0.
 * The replica stays as it is; the next site to connect finds seq 0 and resyncs it.
 */
export async function releaseSource(s: JournalState): Promise<void> {
  await beginResync(s);
  await endResync(s, 0, 0);
  await s.journalLock.run(async () => {
    const { sourceSite: _released, ...rest } = s.saved;
    await s.persist(rest);
  });
}
