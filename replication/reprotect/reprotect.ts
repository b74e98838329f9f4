/**
 * Reprotect, asked of the site a group failed over to (docs/recovery.md "Reprotect"): checks the
 * request against what both sites hold, then decides the reversal — this site becomes the group's
 * production, the old production site its recovery site, and only the extents that may differ are
 * sent (delta.ts). Refusals change nothing. The site (replication/site.ts) carries the reversal
 * out: record first, then the sides rebuilt around the same images (finish.ts).
 */
import type { GroupConfig } from "../config.ts";
import type { FailoverRecord } from "../failover/failover-record.ts";
import type { DivergenceReport, Range } from "../production/divergence.ts";
import { type Delta, reprotectDelta } from "./delta.ts";
import type { ReversalRecord } from "./reversal-record.ts";
import { splitBrain } from "./split-brain.ts";

export interface ReprotectRequest {
  /** The site whose writes after the split are discarded (required when both sides were written). */
  discardSide?: string;
}

/** Refused request: `status` is the HTTP status the control API answers with. */
export class ReprotectError extends Error {
  constructor(
    readonly status: 400 | 409,
    message: string,
  ) {
    super(message);
  }
}

/** The group at this site as reprotect reads it. */
export interface ReprotectSource {
  site: string;
  config: GroupConfig;
  failover: FailoverRecord;
  /** This site has `link.peer`: it can ship to the old production site. */
  canShip: boolean;
  report: DivergenceReport | null;
  writtenHere: (volume: string) => Range[];
  /** Ranges written after `seq` (journal records above the failover point); null once the journal no longer holds the point. */
  rolledBack: (volume: string, seq: number) => Range[] | null;
}

export function parseReprotectRequest(raw: unknown): ReprotectRequest {
  const body = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const unknown = Object.keys(body).filter((k) => k !== "discardSide");
  if (unknown.length > 0) throw new ReprotectError(400, `unknown field(s) ${unknown.join(", ")}: only discardSide`);
  if (body.discardSide !== undefined && typeof body.discardSide !== "string")
    throw new ReprotectError(400, "discardSide must be a site name");
  return body.discardSide === undefined ? {} : { discardSide: body.discardSide };
}

/**
 * Checks and plans a reprotect: the reversal record to carry out, with the delta. Refused (and
 * nothing changed) while the group is still being promoted, when the old site has not reported
 * what it holds, cannot take the link, or wrote after the split and no side to discard was named.
 * Discarding this site's writes plans the other way round: this site returns to being the
 * recovery site, and the old production site takes the group back and resyncs it here.
 */
export function planReprotect(s: ReprotectSource, request: ReprotectRequest, now: number): ReversalRecord {
  const name = s.config.name;
  const oldSite = s.report?.site ?? s.failover.fromSite ?? "the old production site";
  if (s.failover.phase !== "promoted")
    throw new ReprotectError(409, `group "${name}" is still failing over to site ${s.site}: wait until it is promoted`);
  if (request.discardSide !== undefined && request.discardSide !== s.site && request.discardSide !== oldSite)
    throw new ReprotectError(
      400,
      `discardSide "${request.discardSide}" is neither site of group "${name}": give ${oldSite} or ${s.site}`,
    );
  if (!s.report)
    throw new ReprotectError(
      409,
      `${oldSite} has not reported what it wrote since the failover: reprotect needs its link to ${s.site} up once after the failover (it reports when it is fenced)`,
    );
  // Keeping the old production's data: this site goes back to being its recovery site.
  if (request.discardSide === s.site)
    return { direction: "recovery", peerSite: oldSite, phase: "retiring", startedAt: now, discardSide: s.site };
  if (!s.canShip)
    throw new ReprotectError(
      409,
      `site ${s.site} has no link.peer: add the link address of ${oldSite} (its link.listen) to this site's configuration to reverse replication`,
    );
  if (!s.report.canReceive)
    throw new ReprotectError(
      409,
      `${oldSite} has no link.listen: add one to its configuration (and this site's link.peer pointing at it) to reverse replication`,
    );
  const delta = computeDelta(s);
  const split = splitBrain(
    {
      site: s.site,
      oldSite,
      splitAt: s.failover.requestedAt,
      writtenHereBytes: delta.writtenHereBytes,
      report: s.report,
    },
    name,
  );
  if (split && request.discardSide === undefined) throw new ReprotectError(409, split);
  return {
    direction: "production",
    peerSite: oldSite,
    phase: "retiring",
    startedAt: now,
    atRiskSince: s.failover.promotedAt ?? s.failover.requestedAt,
    extents: delta.extents,
    unitBytes: delta.unitBytes,
    bytesToSend: delta.bytesToSend,
    ...(delta.compareAll && { compareAll: true }),
    ...(request.discardSide !== undefined && { discardSide: request.discardSide }),
  };
}

function computeDelta(s: ReprotectSource): Delta & { compareAll: boolean } {
  let compareAll = false;
  const delta = reprotectDelta({
    config: s.config,
    writtenHere: s.writtenHere,
    rolledBack: (volume) => {
      const ranges = s.rolledBack(volume, s.failover.point.seq);
      if (ranges === null) compareAll = true;
      return ranges ?? [];
    },
    report: s.report!,
  });
  return { ...delta, compareAll };
}
