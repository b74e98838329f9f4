/** JSON messages of the link protocol (frame types in framing.ts); binary frames are in batch-frame.ts. */
import type { DivergenceReport } from "../production/divergence.ts";
import type { Bookmark } from "../records.ts";

export const LINK_PROTOCOL_VERSION = 1;

export interface HelloMsg {
  site: string;
  version: number;
  nonce: string;
  groups: string[];
}
/** Recovery → production: its nonce and its proof over both nonces. */
export interface ChallengeMsg {
  site: string;
  nonce: string;
  proof: string;
}
export interface ProofMsg {
  proof: string;
}
export interface GroupPosition {
  durableSeq: number;
  appliedSeq: number;
  /** The journal is between resync-begin and resync-end (it refuses batches until a resync ends). */
  resyncing?: boolean;
  /** Size in bytes of each of the group's volumes at the recovery site (welcome only). */
  volumes?: Record<string, number>;
  /** The group failed over to the recovery site (named here): the production site fences it. */
  failedOverTo?: string;
  /** The group's promotion at the recovery site was discarded (split brain, welcome only): a group fenced for it takes production back. */
  takeBack?: boolean;
}
/** Where each group's journal stands: the production site resumes right after durableSeq. */
export interface WelcomeMsg {
  groups: Record<string, GroupPosition>;
}
export interface RefusedMsg {
  reason: string;
}
export interface AckMsg extends GroupPosition {
  group: string;
  fault: string | null;
}
export interface HeartbeatMsg {
  /** Production clock, echoed back for the RTT. */
  sentAt: number;
  groups: { name: string; headSeq: number; headTs: number; rpoSeconds: number }[];
}
export interface HeartbeatAckMsg {
  sentAt: number;
  acks: AckMsg[];
}

/** Production → recovery requests (resync control, bookmarks), answered by `reply` with the same id. */
export type RequestBody =
  | { op: "checksums"; group: string; volume: string; offset: number; length: number; blockSize: number }
  | { op: "resync-begin"; group: string; kind: "full" | "fast" | "extents" }
  | { op: "resync-end"; group: string; atSeq: number; timestamp: number }
  | { op: "bookmark"; group: string; bookmark: Bookmark }
  /** A fenced group's old production site: what it holds beyond the journal (reprotect starts from it). */
  | { op: "divergence"; group: string; report: DivergenceReport }
  /** Planned failback: everything is durable there; the recovery site fails the group over to itself and reprotects it. */
  | { op: "failback"; group: string };
export type RequestMsg = RequestBody & { id: number };
export interface ReplyMsg {
  id: number;
  error?: string;
  /** The request can never succeed as asked (a bookmark older than the journal's window): do not retry it. */
  final?: boolean;
  /** checksums: hex digests, one per block. */
  checksums?: string[];
  position?: GroupPosition;
}
