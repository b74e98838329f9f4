import type { DrillRecord } from "../drills/drill-store.ts";
import type { ImageRequest, ImageSessionView } from "../images/image-access.ts";
import type { PointSpec, RecoveryPoints } from "../images/recovery-point.ts";

/** What a recovery site offers the operator; a production site has none. */
export interface RecoveryOperations {
  points(group: string): RecoveryPoints;
  beginImage(group: string, request: ImageRequest): Promise<ImageSessionView>;
  imageSession(group: string): ImageSessionView;
  /** Moves a read-only session's point in place; a test failover answers 409 (it needs a new session). */
  moveImage(group: string, point: PointSpec): Promise<ImageSessionView>;
  endImage(group: string, outcome: { result: "passed" | "failed"; note?: string }): Promise<{ drill?: DrillRecord }>;
  drills(): DrillRecord[];
  drill(id: string): DrillRecord;
}
