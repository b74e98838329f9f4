/**
 * Split-brain detection (docs/recovery.md "Split brain"). The split is the failover request: from
 * then on the recovery site's copy is the group's production. The old production site was written
 * after the split when its newest acknowledged client write (its clock) is later than the failover
 * request (the recovery site's clock): it was cut off and not yet fenced. The sites' clocks are
 * assumed synchronized (NTP, well under a second apart); an old site whose clock is behind by d
 * hides its post-split writes of the first d seconds, so keep the clocks synchronized.
 */
import { isoTime } from "../../lib/iso-time.ts";
import type { DivergenceReport } from "../production/divergence.ts";

export interface SplitCheck {
  /** This (new production) site and the old one. */
  site: string;
  oldSite: string;
  /** When the failover was requested (this site's clock). */
  splitAt: number;
  /** Bytes written here since the promotion (4 KiB blocks of the promoted volumes' maps). */
  writtenHereBytes: number;
  report: DivergenceReport;
}

/** Why reprotect must wait for the operator to name the side to discard, or null when there is no split brain. */
export function splitBrain(c: SplitCheck, group: string): string | null {
  if (c.report.newestWriteTs <= c.splitAt) return null;
  const split = `the failover to ${c.site} at ${isoTime(c.splitAt)}`;
  const until = isoTime(c.report.newestWriteTs);
  const what =
    c.writtenHereBytes > 0
      ? `group "${group}" was written at both sites after ${split}: ` +
        `${c.oldSite} took writes until ${until}, ${c.site} has ${c.writtenHereBytes} bytes written since its promotion. `
      : `${c.oldSite} took writes after ${split} (group "${group}") until ${until}; ` +
        `${c.site} has written nothing since its promotion: reprotecting from ${c.site} would lose ${c.oldSite}'s writes after the split. `;
  return (
    `split brain: ${what}` +
    `Name the side whose writes after the split are discarded: --discard-side ${c.oldSite} (keep ${c.site}'s data) ` +
    `or --discard-side ${c.site} (keep ${c.oldSite}'s data); API: {"discardSide": "<site>"}`
  );
}
