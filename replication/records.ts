/**
 * A replicated change as it travels from the production site's queue, over the link, into the
 * recovery site's journal. One sequence space per consistency group makes every prefix of the
 * stream crash-consistent across the group's volumes.
 */
export type ChangeKind = "write" | "zero" | "trim";

/**
 * The largest single change a site captures: the NBD export's maximum request (32 MiB, what
 * qemu and libnbd clients send at most). The link's frame limit is sized from it, so any change
 * a client can make also fits on the link.
 */
export const MAX_CHANGE_BYTES = 32 * 1024 * 1024;

export interface ReplicatedWrite {
  /** Group-wide sequence number, assigned before the client is acknowledged; strictly increasing, no gaps. */
  seq: number;
  /** Source time (Unix seconds, production clock) when the write was acknowledged. */
  timestamp: number;
  volume: string;
  offset: number;
  length: number;
  kind: ChangeKind;
  /** Present for `write` (length bytes); absent for `zero` and `trim`, which read back as zeroes. */
  data?: Buffer;
  /**
   * CRC32 of `data`, computed once at capture and verified on receipt; the journal keeps it as the
   * payload's checksum, so the bytes are checked end to end without being summed again.
   */
  dataCrc?: number;
}

/** A named point in a group's stream: everything with seq <= bookmark.seq, and nothing after. */
export interface Bookmark {
  name: string;
  seq: number;
  timestamp: number;
}
