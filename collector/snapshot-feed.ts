/**
 * The one way to read the collector's output. The exporter, the live feed, the alert evaluator
 * and the history writer all take a SnapshotFeed; the Collector is one, and tests can hand any
 * object with these two methods.
 */
import type { ModelSnapshot } from "./snapshot.ts";

export type SnapshotListener = (next: ModelSnapshot, previous: ModelSnapshot) => void;

export interface SnapshotFeed {
  /** The latest snapshot (EMPTY_SNAPSHOT before the first collection). */
  current(): ModelSnapshot;
  /** Calls `listener` after every new snapshot; returns the unsubscribe function. */
  subscribe(listener: SnapshotListener): () => void;
}
