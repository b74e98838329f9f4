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
  return journalOf(minutes, (m) => 180 + 120 * (1 - Math.exp(-m / 4)) + growthPerMinute * m);
}

/**
 * The default stack's journal on the `daily` workload profile (docs/nbd.md: the change rate swings
 * 0.2-1.8 × its average over a day, trough at the start): a full window's size swings with it,
 * 60 MiB at night to 540 MiB at the afternoon's peak (healthy: it fits 632 MiB), plus
 * `growthPerDay` MiB a day that goes on.
 */
export function dailyCycleJournal(minutes: number, growthPerDay = 0): JournalMinutes {
  return journalOf(minutes, (m) => 300 * (1 - 0.8 * Math.cos((2 * Math.PI * m) / 1440)) + (growthPerDay * m) / 1440);
}

/** A journal whose full window takes `fullWindowMiB(minute)`, held by time retention as the default stack's. */
function journalOf(minutes: number, fullWindowMiB: (minute: number) => number): JournalMinutes {
  const used: number[] = [];
  const ratio: number[] = [];
  for (let m = 0; m <= minutes; m++) {
    // Until the window is first held the ratio is the time since the start over the window.
    const held = m < 5 ? m / 5 : 1 + 0.06 * ((m * 0.37) % 1);
    const wobble = 1 + 0.01 * Math.sin(m * 1.3);
    used.push(Math.round(fullWindowMiB(m) * MiB * held * wobble));
    ratio.push(Math.round(held * 1000) / 1000);
  }
  return { used, ratio, capacity: 632 * MiB, windowSeconds: 300 };
}
