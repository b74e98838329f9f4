/**
 * Turns one source's raw snapshot into its part of the ModelSnapshot: places every series, folds
 * counters, and computes the derived figures with the pure functions of derive/.
 */

import { JOURNAL_CYCLE_SECONDS } from "../model/alerts.ts";
import { bottleneck, drainForecast, totalBacklog } from "./derive/backlog.ts";
import { groupStateShown } from "./derive/group-state.ts";
import { fullWindowBytes, journalFigures } from "./derive/journal.ts";
import { linkFigures } from "./derive/link.ts";
import { ratioOr } from "./derive/rate.ts";
import { groupRpoSeconds, isGroupRpo, recoveryPointTimestamp, rpoTargetRatio } from "./derive/rpo.ts";
import type { GroupSample, InterfaceSample, JournalSample, LinkSample, SourceSnapshot } from "./model.ts";
import type { EntityMemory, SeriesMemory } from "./series-memory.ts";
import type { GroupPlace, GroupView, InterfaceView, JournalView, LinkView, VolumeView } from "./snapshot.ts";

export interface SourceView {
  groups: GroupView[];
  volumes: VolumeView[];
  journals: JournalView[];
  links: LinkView[];
  interfaces: InterfaceView[];
}

export const EMPTY_SOURCE_VIEW: SourceView = { groups: [], volumes: [], journals: [], links: [], interfaces: [] };

/**
 * The view of a source that stopped reporting, as subscribers of the snapshot see it: its groups
 * and links in state `unknown` (raw.state keeps what was last measured). The figures that are
 * functions of time are made conservative where they are read (collector/series.ts).
 */
export function staleSourceView(view: SourceView): SourceView {
  return {
    ...view,
    groups: view.groups.map((g) => ({ ...g, derived: { ...g.derived, state: "unknown" } })),
    links: view.links.map((l) => ({ ...l, derived: { ...l.derived, state: "unknown" } })),
  };
}

export function buildSourceView(source: string, snap: SourceSnapshot, memory: SeriesMemory): SourceView {
  const view: SourceView = { groups: [], volumes: [], journals: [], links: [], interfaces: [] };
  const t = snap.timestamp;
  const linksUp = linksUpBySite(snap.links);
  for (const g of snap.groups) {
    addGroup(view, { source, tenant: g.tenant, site: g.site, group: g.name }, g, t, memory, linksUp.get(g.site));
  }
  for (const l of snap.links) view.links.push(linkView(source, l, t, memory));
  for (const i of snap.interfaces) view.interfaces.push(interfaceView(source, i, t, memory));
  memory.sweep();
  return view;
}

/** Per site with links: whether any of them is up. */
function linksUpBySite(links: readonly LinkSample[]): Map<string, boolean> {
  const up = new Map<string, boolean>();
  for (const l of links) up.set(l.site, (up.get(l.site) ?? false) || l.state === "up");
  return up;
}

/** Slots of each entity's memory. */
const VOLUME = { written: 0, ops: 1, trimmed: 2 } as const;
const GROUP = {
  backlog: 0,
  journalUsed: 1,
  trimmedByTime: 2,
  trimmedBySpace: 3,
  corrupt: 4,
  fullWindow: 5,
} as const;
const LINK = { wire: 0, raw: 1, reconnects: 2, authFailures: 3 } as const;
const INTERFACE = { receive: 0, transmit: 1 } as const;

function addGroup(
  view: SourceView,
  place: GroupPlace,
  g: GroupSample,
  t: number,
  memory: SeriesMemory,
  linksUp: boolean | undefined,
): void {
  const m = memory.entity(`g|${place.tenant}|${place.site}|${place.group}`);
  const observed = g.observedTimestamp ?? t;
  let changeRate: number | undefined;
  const volumeRpos: number[] = [];
  for (const v of g.volumes) {
    const vm = m.member(v.name);
    const written = v.writtenBytesTotal === undefined ? undefined : vm.counter(VOLUME.written, t, v.writtenBytesTotal);
    if (written) changeRate = (changeRate ?? 0) + written.rate;
    if (v.rpoSeconds !== undefined) volumeRpos.push(v.rpoSeconds);
    // Fields spelled out rather than spread from `place`: this loop runs for every volume on every update.
    view.volumes.push({
      source: place.source,
      tenant: place.tenant,
      site: place.site,
      group: place.group,
      volume: v.name,
      raw: v,
      writtenBytesTotal: written?.total,
      writeOpsTotal: vm.totalOf(VOLUME.ops, v.writeOpsTotal),
      trimmedBytesTotal: vm.totalOf(VOLUME.trimmed, v.trimmedBytesTotal),
      changeRateBytesPerSecond: written?.rate,
      rpoSeconds: v.rpoSeconds,
      observedTimestamp: observed,
    });
  }
  const rpo = groupRpoSeconds(g.rpoSeconds, volumeRpos);
  const backlogBytes = totalBacklog(g.backlogBytes);
  const { volumes: _volumes, journal, observedTimestamp: _observed, ...raw } = g;
  view.groups.push({
    ...place,
    raw,
    derived: {
      rpoSeconds: rpo,
      observedTimestamp: observed,
      rpoTargetRatio: rpoTargetRatio(rpo, g.rpoTargetSeconds),
      recoveryPointTimestamp: recoveryPointTimestamp(g.recoveryPointTimestamp, observed, rpo),
      changeRateBytesPerSecond: changeRate,
      backlogBytes,
      bottleneck: bottleneck(g.backlogBytes),
      linksUp,
      state: groupStateShown(g.state, linksUp),
      // The forecast is the group's, from its RPO: a recovery site's view, which only bounds the age
      // of its newest point, has none (one group, one answer), like it has no group RPO.
      ...(changeRate === undefined || !isGroupRpo({ raw: g })
        ? {}
        : drainForecast({
            backlogBytes,
            backlogSlope: m.gauge(GROUP.backlog, t, backlogBytes),
            changeRateBytesPerSecond: changeRate,
            rpoSeconds: rpo,
            rpoTargetSeconds: g.rpoTargetSeconds,
          })),
    },
  });
  if (journal) view.journals.push(journalView(place, journal, t, m));
}

/** A full window's highest size over the last cycle and its size a cycle ago (model/alerts.ts JOURNAL_CYCLE_SECONDS). */
function fullWindowCycle(m: EntityMemory, t: number, fullWindow: number) {
  const cycle = m.cycle(GROUP.fullWindow, t, fullWindow, JOURNAL_CYCLE_SECONDS);
  return { fullWindowCycleMaxBytes: cycle.max, fullWindowCycleAgoBytes: cycle.ago };
}

function journalView(place: GroupPlace, j: JournalSample, t: number, m: EntityMemory): JournalView {
  const fillRate = m.gauge(GROUP.journalUsed, t, j.usedBytes);
  const figures = journalFigures({
    capacityBytes: j.capacityBytes,
    usedBytes: j.usedBytes,
    achievedWindowSeconds: j.achievedWindowSeconds,
    requiredWindowSeconds: j.requiredWindowSeconds,
    fillRateBytesPerSecond: fillRate,
  });
  const fullWindow = fullWindowBytes(j.usedBytes, figures.windowRatio);
  return {
    ...place,
    raw: j,
    derived: {
      ...figures,
      fullWindowBytes: fullWindow,
      ...(fullWindow !== undefined && fullWindowCycle(m, t, fullWindow)),
      fillRateBytesPerSecond: fillRate,
      trimmedBytesByTime: m.total(GROUP.trimmedByTime, j.trimmedBytesByTime),
      trimmedBytesBySpace: m.total(GROUP.trimmedBySpace, j.trimmedBytesBySpace),
      corruptRecordsTotal: m.totalOf(GROUP.corrupt, j.corruptRecordsTotal),
    },
  };
}

function linkView(source: string, l: LinkSample, t: number, memory: SeriesMemory): LinkView {
  const m = memory.entity(`l|${l.tenant}|${l.site}|${l.name}`);
  const wire = m.counter(LINK.wire, t, l.wireBytesTotal);
  const raw = m.counter(LINK.raw, t, l.rawBytesTotal);
  return {
    source,
    tenant: l.tenant,
    site: l.site,
    link: l.name,
    raw: l,
    derived: {
      state: l.state,
      wireBytesTotal: wire.total,
      rawBytesTotal: raw.total,
      reconnectsTotal: m.totalOf(LINK.reconnects, l.reconnectsTotal),
      authFailuresTotal: m.totalOf(LINK.authFailures, l.authFailuresTotal),
      ...linkFigures({
        wireBytesPerSecond: wire.rate,
        rawBytesPerSecond: raw.rate,
        limitBytesPerSecond: l.limitBytesPerSecond,
      }),
    },
  };
}

function interfaceView(source: string, i: InterfaceSample, t: number, memory: SeriesMemory): InterfaceView {
  const m = memory.entity(`i|${i.tenant}|${i.site}|${i.link}|${i.name}`);
  const rx = m.counter(INTERFACE.receive, t, i.receiveBytesTotal);
  const tx = m.counter(INTERFACE.transmit, t, i.transmitBytesTotal);
  return {
    source,
    tenant: i.tenant,
    site: i.site,
    link: i.link,
    interface: i.name,
    raw: i,
    receiveBytesTotal: rx.total,
    transmitBytesTotal: tx.total,
    receiveUtilizationRatio: ratioOr(rx.rate, i.speedBytesPerSecond, 0),
    transmitUtilizationRatio: ratioOr(tx.rate, i.speedBytesPerSecond, 0),
  };
}
