/**
 * The period a report covers: a calendar month or a day in UTC, as [from, to) in Unix seconds.
 * A period that has not started is refused; one still running ends at `now` (the rest is not
 * yet, which is not a gap).
 */

export interface Period {
  /** "2026-11" or "2026-11-05". */
  label: string;
  from: number;
  /** Exclusive end of the calendar period. */
  end: number;
  /** Exclusive end of what can have been measured: min(end, now) rounded down to a minute. */
  to: number;
}

const MONTH = /^(\d{4})-(\d{2})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function monthPeriod(text: string, now: number): Period {
  const m = MONTH.exec(text);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12) throw new Error(`month "${text}" is not a month: expected YYYY-MM, e.g. 2026-11`);
  const from = Date.UTC(Number(m[1]), month - 1, 1) / 1000;
  const end = Date.UTC(Number(m[1]), month, 1) / 1000;
  return bounded(text, from, end, now);
}

export function dayPeriod(text: string, now: number): Period {
  const m = DAY.exec(text);
  const from = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000 : Number.NaN;
  if (!m || new Date(from * 1000).toISOString().slice(0, 10) !== text) {
    throw new Error(`day "${text}" is not a calendar day: expected YYYY-MM-DD, e.g. 2026-11-05`);
  }
  return bounded(text, from, from + 86400, now);
}

function bounded(label: string, from: number, end: number, now: number): Period {
  if (from >= now) {
    throw new Error(`${label} has not started yet (now is ${new Date(now * 1000).toISOString()}): nothing to report`);
  }
  return { label, from, end, to: Math.min(end, Math.floor(now / 60) * 60) };
}

/** The UTC date ("2026-11-05") of a Unix time. */
export function isoDay(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 10);
}

/** "2026-11-05T14:03Z" for a Unix time. */
export function isoMinute(t: number): string {
  return `${new Date(t * 1000).toISOString().slice(0, 16)}Z`;
}
