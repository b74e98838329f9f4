/** GroupStatus of a production group (status.ts), RPO per domain.md §1. */
import type { GroupStatus } from "../status.ts";
import type { ProductionGroup } from "./production-group.ts";

export function productionGroupStatus(g: ProductionGroup, lastContact: number, at: number): GroupStatus {
  const rpo = g.rpo(at);
  const idle = rpo.group === 0;
  return {
    name: g.name,
    direction: "production",
    tenant: g.config.tenant,
    state: g.state,
    fault: g.faultReason,
    mode: g.config.mode,
    rpoSeconds: rpo.group,
    rpoTargetSeconds: g.config.rpoTarget,
    headSeq: g.headSeq,
    durableSeq: g.durableSeq,
    appliedSeq: g.appliedSeq,
    backlog: g.backlog(),
    // When nothing is at risk the recovery site was current at the last contact.
    recoveryPointTimestamp: idle ? Math.max(lastContact, g.durableTs) : g.durableTs,
    lastBookmark: g.lastBookmark,
    bookmarkIntervalSeconds: g.config.bookmarkInterval,
    resyncRequired: g.resyncRequired !== null || g.captureMode === "bitmap",
    sync: { ...g.sync },
    volumes: g.config.volumes.map((v) => ({
      name: v.name,
      sizeBytes: v.size,
      ...g.counters(v.name),
      rpoSeconds: rpo.volumes.get(v.name) ?? 0,
    })),
    journal: null,
  };
}
