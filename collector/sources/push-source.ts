/**
 * Push source: a third-party replication component sends batches to the collector (domain.md §8:
 * push suits components behind a firewall). Each push source has its own bearer token; the token
 * identifies the source. The HTTP and WebSocket routes (push-routes.ts, push-ws.ts) find the
 * source through a PushRegistry and hand it validated batches.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { performance } from "node:perf_hooks";
import { resolveSecret } from "../../lib/config-file.ts";
import type { Logger } from "../../lib/log.ts";
import { RefusalCounts } from "../../lib/refusal-counts.ts";
import { metrics } from "../../model/metrics.ts";
import type { SourceAdapter, SourceSink } from "../source.ts";
import type { PushBatch } from "./push-batch.ts";
import type { PushSourceConfig } from "./push-config.ts";
import { type ApplyOutcome, type PushIssue, PushState } from "./push-state.ts";

export type IngestResult =
  | ({ status: 200 } & ApplyOutcome)
  | { status: 400 | 403 | 503; error: string; issues: PushIssue[] };

export interface PushSourceAdapter extends SourceAdapter {
  readonly kind: "push";
  /** Applies one validated batch atomically: one sink.snapshot call, or nothing at all. */
  ingest(batch: PushBatch): IngestResult;
  /** Whether `token` is this source's token; the comparison takes the same time wherever they differ. */
  matchesToken(token: string): boolean;
  /** Counts a refused push of this source (the routes refuse before or after `ingest`). */
  refuse(error: string): void;
  /** Totals since start: samples ignored by the ordering rule. */
  ignored(): { stale: number; duplicates: number };
}

/** Where the push routes look up sources; one per collector, shared by all push sources. */
export class PushRegistry {
  private readonly sources = new Map<string, PushSourceAdapter>();
  /** Pushes refused before a source could be named (rpowatch_push_refusals_total). */
  readonly refusals: RefusalCounts<PushRefusalReason>;

  constructor(options: { logger?: Logger } = {}) {
    this.refusals = new RefusalCounts(metrics.pushRefusals.extraLabels.reason, "push refused", options.logger);
  }

  add(source: PushSourceAdapter): void {
    this.sources.set(source.name, source);
  }

  delete(source: PushSourceAdapter): void {
    if (this.sources.get(source.name) === source) this.sources.delete(source.name);
  }

  /** The source owning this token. Every source is compared, so timing does not reveal which matched. */
  authenticate(token: string): PushSourceAdapter | undefined {
    let found: PushSourceAdapter | undefined;
    for (const source of this.sources.values()) if (source.matchesToken(token)) found = source;
    return found;
  }
}

export type PushRefusalReason = (typeof metrics.pushRefusals.extraLabels.reason)[number];

export interface PushSourceDeps {
  registry: PushRegistry;
  env?: NodeJS.ProcessEnv;
}

// Hashing first gives equal-length inputs, which timingSafeEqual requires, whatever the token length.
const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

export function createPushSource(config: PushSourceConfig, deps: PushSourceDeps): PushSourceAdapter {
  const tokenDigest = digest(resolveSecret(config.settings.token, deps.env));
  const tenants = config.settings.tenants && new Set(config.settings.tenants);
  const state = new PushState();
  const ignored = { stale: 0, duplicates: 0 };
  let sink: SourceSink | undefined;

  const foreignTenants = (batch: PushBatch): PushIssue[] =>
    (["groups", "links", "journals"] as const).flatMap((kind) =>
      batch[kind].flatMap((sample, i) =>
        !tenants || tenants.has(sample.tenant)
          ? []
          : [{ path: `${kind}.${i}.tenant`, message: `source ${config.name} may not report tenant ${sample.tenant}` }],
      ),
    );

  const adapter: PushSourceAdapter = {
    name: config.name,
    kind: "push",
    staleAfterSeconds: config.settings.heartbeat,
    start(s) {
      sink = s;
      deps.registry.add(adapter);
    },
    async stop() {
      deps.registry.delete(adapter);
      sink = undefined;
    },
    matchesToken: (token) => timingSafeEqual(digest(token), tokenDigest),
    ignored: () => ({ ...ignored }),
    refuse: (error) => sink?.refused(new Error(error)),
    ingest(batch) {
      if (!sink) return { status: 503, error: `source ${config.name} is not running`, issues: [] };
      const forbidden = foreignTenants(batch);
      if (forbidden.length > 0) return { status: 403, error: "tenant not allowed for this token", issues: forbidden };
      const issues = state.check(batch);
      if (issues.length > 0) return { status: 400, error: "batch refused", issues };
      const started = performance.now();
      const outcome = state.apply(batch);
      ignored.stale += outcome.stale;
      ignored.duplicates += outcome.duplicates;
      sink.snapshot(state.snapshot(), {
        durationSeconds: (performance.now() - started) / 1000,
        samples: outcome.accepted,
      });
      return { status: 200, ...outcome };
    },
  };
  return adapter;
}
