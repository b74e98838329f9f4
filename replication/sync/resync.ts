/**
 * Initial sync and resync of a group over an authenticated link session (InMage Step I/II and
 * fast resync, 001_0cf9b2a003f84c21.txt L968–970, L1549):
 * - `full`: every block is sent;
 * - `fast`: block checksums are compared with the recovery replica and only differing blocks sent;
 * - `extents`: the dirty extents recorded in bitmap mode are sent, and the 4 KiB blocks a reprotect
 *   seeded (production-group.ts `delta`).
 * Shipping of the group holds meanwhile; writes keep being captured with seq > startSeq and are
 * shipped after `resync-end`, which re-applies in order anything the copied blocks already held.
 */
import { createHash } from "node:crypto";
import type { Logger } from "../../lib/log.ts";
import type { LinkSession } from "../link/shipper.ts";
import type { ProductionGroup, ResyncKind } from "../production/production-group.ts";
import type { EngineEvent } from "../status.ts";

/** Unit of comparison and transfer: 64 KiB blocks, checksummed 4 MiB at a time. */
export const RESYNC_BLOCK_BYTES = 64 * 1024;
const CHECKSUM_SPAN_BYTES = 4 * 1024 * 1024;

interface Range {
  volume: string;
  offset: number;
  length: number;
}

/** Same digest as the recovery replica's blockChecksums: first 16 bytes of SHA-256. */
export function blockDigest(block: Buffer): string {
  return createHash("sha256").update(block).digest().subarray(0, 16).toString("hex");
}

export async function runResync(
  g: ProductionGroup,
  session: LinkSession,
  logger: Logger,
  emit: (e: EngineEvent) => void,
): Promise<void> {
  const kind = g.nextResync();
  if (!kind) return;
  const { startSeq, startTs } = await g.beginResync(kind);
  emit({ type: "sync", group: g.name, phase: "start", kind });
  logger.info({ group: g.name, kind, startSeq }, "resync started");
  await session.request({ op: "resync-begin", group: g.name, kind });
  const ranges = plan(g, kind);
  const progress = new Progress(
    g,
    ranges.reduce((n, r) => n + r.length, 0),
  );
  for (const range of ranges) {
    if (session.closed) throw new Error("link closed during resync");
    const image = g.volumes.get(range.volume)!.image;
    const remote =
      kind === "fast"
        ? (
            await session.request({
              op: "checksums",
              group: g.name,
              volume: range.volume,
              offset: range.offset,
              length: range.length,
              blockSize: RESYNC_BLOCK_BYTES,
            })
          ).checksums
        : undefined;
    const data = await image.read(range.offset, range.length);
    for (let at = 0, i = 0; at < data.length; at += RESYNC_BLOCK_BYTES, i++) {
      const block = data.subarray(at, Math.min(at + RESYNC_BLOCK_BYTES, data.length));
      if (!remote || remote[i] !== blockDigest(block)) {
        await session.sendBlock(g.name, range.volume, range.offset + at, block);
        progress.sent(block.length);
      }
      progress.compared(block.length);
    }
  }
  await session.request({ op: "resync-end", group: g.name, atSeq: startSeq, timestamp: startTs });
  await g.endResync(startSeq, kind);
  // The end of a sync is a consistency point across the group: record it, so a freshly protected
  // group has a bookmark at once instead of waiting a whole interval.
  g.makeBookmark(`${kind}-sync-complete`);
  const outcome = { bytesCompared: progress.total, bytesSent: progress.bytesSent };
  emit({ type: "sync", group: g.name, phase: "end", kind, ...outcome });
  logger.info({ group: g.name, kind, ...outcome }, "resync finished");
}

function plan(g: ProductionGroup, kind: ResyncKind): Range[] {
  const out: Range[] = [];
  for (const [volume, v] of g.volumes) {
    if (kind === "extents") {
      for (const r of union([...v.resyncing.ranges(), ...(v.delta?.ranges() ?? [])])) out.push({ volume, ...r });
      continue;
    }
    for (let offset = 0; offset < v.image.size; offset += CHECKSUM_SPAN_BYTES)
      out.push({ volume, offset, length: Math.min(CHECKSUM_SPAN_BYTES, v.image.size - offset) });
  }
  return out;
}

/**
 * Ranges sorted, overlaps sent once, and adjacent ones joined up to a checksum span (one read and
 * a few large blocks instead of many small ones).
 */
function union(ranges: { offset: number; length: number }[]): { offset: number; length: number }[] {
  const out: { offset: number; length: number }[] = [];
  for (const r of [...ranges].sort((a, b) => a.offset - b.offset)) {
    const last = out.at(-1);
    const end = last ? last.offset + last.length : -1;
    if (last && (r.offset < end || (r.offset === end && last.length + r.length <= CHECKSUM_SPAN_BYTES)))
      last.length = Math.max(end, r.offset + r.length) - last.offset;
    else out.push({ ...r });
  }
  return out;
}

/** Progress ratio, bytes sent and ETA (remaining ÷ observed rate) published in the group's sync status. */
class Progress {
  private readonly started = performance.now();
  private done = 0;
  bytesSent = 0;

  constructor(
    private readonly g: ProductionGroup,
    readonly total: number,
  ) {
    this.publish();
  }

  compared(bytes: number): void {
    this.done += bytes;
    this.publish();
  }

  sent(bytes: number): void {
    this.bytesSent += bytes;
    this.g.sync.bytesSent = this.bytesSent;
  }

  private publish(): void {
    const elapsed = (performance.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    this.g.sync.bytesDone = this.done;
    this.g.sync.bytesTotal = this.total;
    this.g.sync.progressRatio = this.total > 0 ? this.done / this.total : 1;
    this.g.sync.etaSeconds = rate > 0 ? (this.total - this.done) / rate : 0;
  }
}
