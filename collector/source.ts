/**
 * The source adapter interface: each replication component (the bundled engine, a push client,
 * an SNMP agent, PostgreSQL) is read by one adapter, which can be tested and replaced alone.
 * Adapters push whole snapshots into a sink; they never derive figures and never touch the exporter.
 */
import type { SourceKind } from "../model/entities.ts";
import type { SourceSnapshot } from "./model.ts";

export interface SourceSink {
  /** A complete, consistent observation; replaces this source's previous snapshot atomically. */
  snapshot(snapshot: SourceSnapshot, info: { durationSeconds: number; samples: number }): void;
  /** A failed collection attempt: the source is marked down, its last data kept and marked stale. */
  failure(error: Error): void;
  /**
   * A refused push (bad payload, forbidden tenant, wrong size or type): counted in the source's
   * errors and logged once per burst; the source's data and health stay as they are.
   */
  refused(error: Error): void;
  /** A notable event from the source (state change, link down…), for logs and the live feed. */
  event?(event: { timestamp: number; type: string; detail: Record<string, unknown> }): void;
}

export interface SourceAdapter {
  /** Unique per collector; becomes the `source` label. */
  readonly name: string;
  readonly kind: SourceKind;
  /**
   * One heartbeat interval plus the source's timeout: data older than this is stale, and every
   * figure that depends on it turns conservative (collector/derive/staleness.ts).
   */
  readonly staleAfterSeconds: number;
  start(sink: SourceSink): void;
  stop(): Promise<void>;
}
