/**
 * The merged state of one push source: the newest accepted sample of every group, link and journal
 * it has reported. Ordering rule (docs/push-api.md): per entity, a sample older than the last
 * accepted one is ignored and counted as stale; one with the same timestamp is an idempotent
 * duplicate and also ignored, so replaying a batch never changes anything. Samples of one batch
 * are taken in array order. A batch is checked whole before anything changes, so it is applied
 * all or nothing.
 */
import type { GroupSample, JournalSample, LinkSample, SourceSnapshot } from "../model.ts";
import type { PushBatch, PushGroup, PushJournal, PushLink } from "./push-batch.ts";

export interface PushIssue {
  path: string;
  message: string;
}

export interface ApplyOutcome {
  accepted: number;
  stale: number;
  duplicates: number;
}

interface Held<T> {
  timestamp: number;
  sample: T;
}

const key = (tenant: string, site: string, name: string) => JSON.stringify([tenant, site, name]);

export class PushState {
  private readonly groups = new Map<string, Held<GroupSample>>();
  private readonly links = new Map<string, Held<LinkSample>>();
  private readonly journals = new Map<string, Held<JournalSample>>();
  private timestamp = 0;

  /** Problems that make the batch unacceptable as a whole; empty when it can be applied. */
  check(batch: PushBatch): PushIssue[] {
    const known = new Set(this.groups.keys());
    for (const g of batch.groups) known.add(key(g.tenant, g.site, g.group));
    return batch.journals.flatMap((j, i) =>
      known.has(key(j.tenant, j.site, j.group))
        ? []
        : [
            {
              path: `journals.${i}.group`,
              message: `no group ${j.tenant}/${j.site}/${j.group} reported by this source`,
            },
          ],
    );
  }

  /** Applies a batch that passed check(). */
  apply(batch: PushBatch): ApplyOutcome {
    const outcome: ApplyOutcome = { accepted: 0, stale: 0, duplicates: 0 };
    const merge = <T>(map: Map<string, Held<T>>, k: string, timestamp: number, sample: () => T) => {
      const held = map.get(k);
      if (held && timestamp < held.timestamp) outcome.stale++;
      else if (held && timestamp === held.timestamp) outcome.duplicates++;
      else {
        map.set(k, { timestamp, sample: sample() });
        outcome.accepted++;
      }
    };
    for (const g of batch.groups) merge(this.groups, key(g.tenant, g.site, g.group), g.timestamp, () => toGroup(g));
    for (const l of batch.links) merge(this.links, key(l.tenant, l.site, l.link), l.timestamp, () => toLink(l));
    for (const j of batch.journals)
      merge(this.journals, key(j.tenant, j.site, j.group), j.timestamp, () => toJournal(j));
    // The snapshot time never goes backwards, even when a late batch arrives.
    this.timestamp = Math.max(this.timestamp, batch.timestamp);
    return outcome;
  }

  snapshot(): SourceSnapshot {
    return {
      timestamp: this.timestamp,
      groups: [...this.groups].map(([k, g]) => ({ ...g.sample, journal: this.journals.get(k)?.sample ?? null })),
      links: [...this.links.values()].map((l) => l.sample),
      interfaces: [],
    };
  }
}

// Optional figures the client did not send stay absent in the model.
function toGroup(g: PushGroup): GroupSample {
  return {
    observedTimestamp: g.timestamp,
    tenant: g.tenant,
    site: g.site,
    name: g.group,
    state: g.state,
    mode: g.mode,
    peerSite: g.peerSite,
    rpoSeconds: g.rpoSeconds,
    rpoTargetSeconds: g.rpoTargetSeconds,
    recoveryPointTimestamp: g.recoveryPointTimestamp,
    backlogBytes: { ...g.backlogBytes },
    backlogWrites: g.backlogWrites,
    lastBookmarkTimestamp: g.lastBookmarkTimestamp,
    bookmarkIntervalSeconds: g.bookmarkIntervalSeconds,
    syncProgressRatio: g.syncProgressRatio,
    syncEtaSeconds: g.syncEtaSeconds,
    resyncRequired: g.resyncRequired,
    lastTestFailoverTimestamp: g.lastTestFailoverTimestamp,
    volumes: g.volumes.map((v) => ({ ...v })),
    journal: null,
  };
}

function toLink(l: PushLink): LinkSample {
  const { timestamp: _t, link, ...rest } = l;
  return { ...rest, name: link };
}

function toJournal(j: PushJournal): JournalSample {
  const { timestamp: _t, tenant: _tenant, site: _site, group: _group, ...rest } = j;
  return rest;
}
