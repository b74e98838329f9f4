/**
 * Recovery on open: rebuilds the index and window from the segments, reports corrupt records,
 * re-applies a distribution a crash interrupted, and marks where a lost redo record cuts the window.
 */
import { appendAppliedMarker, applyToReplica } from "./distribution.ts";
import { loadJournal } from "./journal-load.ts";
import { resetHistory } from "./resync.ts";
import type { JournalState } from "./state.ts";

export async function recoverOnOpen(s: JournalState): Promise<void> {
  const base = s.saved.baseSeq;
  const startAt = Math.max(base, s.saved.appliedSeq);
  s.window.recovered({ durable: startAt, applied: startAt, undoFloor: base });
  if (s.resyncing) {
    // A crash between persisting `resyncing` and deleting the segments: finish the reset.
    await resetHistory(s);
    return;
  }
  const volumes = new Map(s.opts.group.volumes.map((v) => [v.name, v.size]));
  const j = await loadJournal(s.store, base, volumes, s.logger);
  for (const c of j.corrupt) s.reportCorrupt(c);
  for (const [ordinal, u] of j.usage) s.index.setUsage(ordinal, u);
  for (const u of j.undo) s.index.addUndo(u);

  const appliedMark = Math.max(startAt, j.appliedMarker);
  const maxUndo = Math.max(j.undo.at(-1)?.seq ?? base, base);
  s.window.addTime(base, s.saved.baseTimestamp || (j.timestamps.get(base + 1) ?? 0));
  for (const seq of [...j.timestamps.keys()].sort((a, b) => a - b)) s.window.addTime(seq, j.timestamps.get(seq)!);
  s.window.recovered({
    durable: Math.max(appliedMark, maxUndo, j.redo.at(-1)?.seq ?? 0),
    applied: appliedMark,
    undoFloor: Math.max(base, j.undoChainFloor, maxUndo < appliedMark ? appliedMark : 0),
  });

  // Undo records newer than the last applied marker: the replica write may not have happened.
  // Re-apply their redo (the undo already holds the true old bytes, so it is not captured again).
  const replay = j.redo.filter((r) => r.seq > appliedMark && r.seq <= maxUndo);
  if (maxUndo > appliedMark) {
    if (replay.length !== maxUndo - appliedMark || replay[0]?.seq !== appliedMark + 1) {
      s.setFault(`redo records for distributed seqs ${appliedMark + 1}..${maxUndo} are missing`, true);
    } else {
      for (const r of replay) await applyToReplica(s, r);
      await s.replicas.sync();
      s.window.markApplied(maxUndo);
      await appendAppliedMarker(s);
      s.logger.info({ from: appliedMark + 1, to: maxUndo }, "journal: interrupted distribution re-applied");
    }
  }
  const applied = s.window.appliedSeq;
  let expected = applied + 1;
  for (const r of j.redo) {
    if (r.seq <= applied) continue;
    if (r.seq !== expected && s.window.markGap(expected))
      s.setFault(`redo seq ${expected} is missing (corrupt record); distribution stops at ${expected - 1}`, false);
    expected = r.seq + 1;
    s.index.addRedo(r);
  }
}
