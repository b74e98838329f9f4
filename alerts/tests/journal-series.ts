/**
 * Journals minute by minute for JournalFillingUp's cases, shared by the promtool cases (cases.ts)
 * and the built-in evaluator's test (test/alerts/journal-filling.test.ts), so that the rule and the
 * check are held to the same series.
 */
const MiB = 1024 ** 2;

export interface JournalMinutes {
  /** rpowatch_journal_used_bytes at minute 0, 1, … */
  used: number[];
  /** rpowatch_journal_protection_window_ratio at the same minutes. */
  ratio: number[];
  /** rpowatch_journal_capacity_bytes. */
  capacity: number;
  /** The required window, in seconds. */
  windowSeconds: number;
}

/** promtool's `values` for one sample a minute. */
export const promValues = (samples: readonly number[]) => samples.join(" ");

/**
 * A journal of the default stack (cli/stack/site-files.ts: 2 volumes of 64 MiB at 256 KiB/s, a
 * 5-minute window, 632 MiB), as measured on `rpowatch start`: a full window's size (used / ratio)
 * is ~180 MiB at the start, while the undo records of never-written blocks carry no payload, and
 * rises to ~300 MiB within half an hour, as the volumes are overwritten. Time retention then trims
 * a 16 MiB segment every 16 s: the window held runs 0-6% over the required one, the used bytes with
 * it. `growthPerMinute` adds growth that goes on (the change rate rising), none by default.
 */
export function defaultStackJournal(minutes: number, growthPerMinute = 0): JournalMinutes {
  const used: number[] = [];
  const ratio: number[] = [];
  for (let m = 0; m <= minutes; m++) {
    const fullWindow = (180 + 120 * (1 - Math.exp(-m / 4)) + growthPerMinute * m) * MiB;
    // Until the window is first held the ratio is the time since the start over the window.
    const held = m < 5 ? m / 5 : 1 + 0.06 * ((m * 0.37) % 1);
    const wobble = 1 + 0.01 * Math.sin(m * 1.3);
    used.push(Math.round(fullWindow * held * wobble));
    ratio.push(Math.round(held * 1000) / 1000);
  }
  return { used, ratio, capacity: 632 * MiB, windowSeconds: 300 };
}
