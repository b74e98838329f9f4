/**
 * The collector: runs the source adapters, keeps each source's latest view (replaced whole on
 * every snapshot), and publishes one immutable ModelSnapshot to its subscribers. Readers (the
 * exporter's scrapes, the live feed) only ever read `current()`; they never reach a source.
 */
import type { Logger } from "../lib/log.ts";
import { sourceStale } from "./derive/staleness.ts";
import type { SourceSnapshot } from "./model.ts";
import { SeriesMemory } from "./series-memory.ts";
import type { ModelSnapshot, SourceHealth } from "./snapshot.ts";
import { EMPTY_SNAPSHOT } from "./snapshot.ts";
import type { SnapshotFeed, SnapshotListener } from "./snapshot-feed.ts";
import type { SourceAdapter, SourceSink } from "./source.ts";
import { buildSourceView, EMPTY_SOURCE_VIEW, type SourceView, staleSourceView } from "./source-view.ts";

export interface CollectorOptions {
  /** Sources known up front; more can be added with addSource() before start(). */
  sources: readonly SourceAdapter[];
  /** Window over which counters become rates and gauges slopes. */
  rateWindowSeconds: number;
  logger?: Logger;
  /** Unix seconds; tests and the benchmark may drive time themselves. */
  clock?: () => number;
}

interface SourceState {
  adapter: SourceAdapter;
  health: SourceHealth;
  view: SourceView;
  memory: SeriesMemory;
  /** Publishes again when the source's data turns stale, so subscribers learn it without a scrape. */
  staleTimer?: NodeJS.Timeout;
  /** `view` as published while the source is stale, built once per view. */
  staleView?: SourceView;
  /** A refusal has been logged since the last accepted snapshot: later ones of the burst go to debug. */
  refusing?: boolean;
}

const wallClock = (): number => Date.now() / 1000;

export class Collector implements SnapshotFeed {
  private readonly states: SourceState[] = [];
  private readonly listeners = new Set<SnapshotListener>();
  private readonly clock: () => number;
  private snapshot: ModelSnapshot = EMPTY_SNAPSHOT;
  private running = false;

  constructor(private readonly options: CollectorOptions) {
    this.clock = options.clock ?? wallClock;
    for (const adapter of options.sources) this.addSource(adapter);
    this.publish();
  }

  /**
   * Adds a source before start(); for adapters that need the exporter (a push source mounts its
   * routes on it), which itself needs the collector.
   */
  addSource(adapter: SourceAdapter): void {
    if (this.running) throw new Error("sources must be added before the collector starts");
    if (this.states.some((s) => s.adapter.name === adapter.name)) {
      throw new Error(`duplicate source name "${adapter.name}"`);
    }
    this.states.push({
      adapter,
      health: {
        source: adapter.name,
        kind: adapter.kind,
        up: false,
        lastSuccessTimestamp: 0,
        dataTimestamp: 0,
        staleAfterSeconds: adapter.staleAfterSeconds,
        lastCollectDurationSeconds: 0,
        samplesIngestedTotal: 0,
        errorsTotal: 0,
        lastError: null,
      },
      view: EMPTY_SOURCE_VIEW,
      memory: new SeriesMemory(this.options.rateWindowSeconds),
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.publish();
    for (const state of this.states) state.adapter.start(this.sink(state));
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const state of this.states) clearTimeout(state.staleTimer);
    await Promise.all(this.states.map((s) => s.adapter.stop()));
  }

  current(): ModelSnapshot {
    return this.snapshot;
  }

  /** Calls `listener` after every new snapshot; returns the unsubscribe function. */
  subscribe(listener: SnapshotListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The sink of a named source; lets the benchmark feed snapshots without a network in between. */
  sinkFor(name: string): SourceSink {
    const state = this.states.find((s) => s.adapter.name === name);
    if (!state) throw new Error(`unknown source "${name}"`);
    return this.sink(state);
  }

  private sink(s: SourceState): SourceSink {
    return {
      snapshot: (snap, info) => this.accept(s, snap, info),
      failure: (error) => this.fail(s, error),
      refused: (error) => this.refuse(s, error),
      event: (event) => this.options.logger?.debug({ source: s.adapter.name, event }, "source event"),
    };
  }

  private accept(state: SourceState, snap: SourceSnapshot, info: { durationSeconds: number; samples: number }): void {
    state.view = buildSourceView(state.adapter.name, snap, state.memory);
    state.refusing = false;
    state.staleView = undefined;
    state.health = {
      ...state.health,
      up: true,
      lastSuccessTimestamp: this.clock(),
      dataTimestamp: snap.timestamp,
      lastCollectDurationSeconds: info.durationSeconds,
      samplesIngestedTotal: state.health.samplesIngestedTotal + info.samples,
      lastError: null,
    };
    this.armStaleTimer(state);
    this.publish();
  }

  private armStaleTimer(state: SourceState): void {
    clearTimeout(state.staleTimer);
    const { dataTimestamp, staleAfterSeconds } = state.health;
    if (!this.running || !Number.isFinite(staleAfterSeconds)) return;
    const delaySeconds = Math.max(0, dataTimestamp + staleAfterSeconds - this.clock());
    // Just past the limit: staleness is "older than", so the publish must see it exceeded.
    state.staleTimer = setTimeout(() => this.publish(), delaySeconds * 1000 + 10);
    state.staleTimer.unref();
  }

  private fail(state: SourceState, error: Error): void {
    // The last data is kept (and ages, visibly, through its data age); the source is marked down.
    // Logged at warn when it goes down, then at debug: a source down for hours must not flood the log.
    const wentDown = state.health.up || state.health.errorsTotal === 0;
    state.health = {
      ...state.health,
      up: false,
      errorsTotal: state.health.errorsTotal + 1,
      lastError: error.message,
    };
    this.options.logger?.[wentDown ? "warn" : "debug"](
      { source: state.adapter.name, err: error.message },
      "source collection failed",
    );
    this.publish();
  }

  private refuse(state: SourceState, error: Error): void {
    state.health = { ...state.health, errorsTotal: state.health.errorsTotal + 1, lastError: error.message };
    this.options.logger?.[state.refusing ? "debug" : "warn"](
      { source: state.adapter.name, err: error.message },
      "source push refused",
    );
    state.refusing = true;
    this.publish();
  }

  private publish(): void {
    const previous = this.snapshot;
    const now = this.clock();
    const views = this.states.map((s) => {
      if (!sourceStale(s.health, now)) return s.view;
      s.staleView ??= staleSourceView(s.view);
      return s.staleView;
    });
    this.snapshot = Object.freeze({
      seq: previous.seq + 1,
      timestamp: now,
      groups: views.flatMap((v) => v.groups),
      volumes: views.flatMap((v) => v.volumes),
      journals: views.flatMap((v) => v.journals),
      links: views.flatMap((v) => v.links),
      interfaces: views.flatMap((v) => v.interfaces),
      sources: this.states.map((s) => s.health),
    });
    for (const listener of this.listeners) {
      try {
        listener(this.snapshot, previous);
      } catch (err) {
        // One broken subscriber must not starve the others or the collector.
        this.options.logger?.error({ err }, "snapshot listener failed");
      }
    }
  }
}
