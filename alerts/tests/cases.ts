/**
 * Hand-written promtool unit tests for every catalogue alert: input series, the times the alert must
 * be firing (with the instances, values and thresholds expected) and the times it must stay silent.
 * alerts/promtool-tests.ts turns them into generated/alerts/tests.yml; the annotations it expects
 * are expanded in-process, so promtool also checks the built-in evaluator's texts.
 */
import type { AlertKey } from "../../model/alerts.ts";
import { LINK_STATES, type LinkState } from "../../model/entities.ts";
import { metrics as m } from "../../model/metrics.ts";
import { dailyCycleJournal, defaultStackJournal, type JournalMinutes, promValues } from "./journal-series.ts";

export interface ExpectedInstance {
  labels: Record<string, string>;
  value: number;
  threshold: number;
}

export interface AlertTestCase {
  alert: AlertKey;
  /** Why this case exists, for the reader of tests.yml. */
  name: string;
  /** Step between input samples (promtool `interval`). */
  interval: string;
  series: Array<{ series: string; values: string }>;
  firing: Array<{ at: string; instances: ExpectedInstance[] }>;
  /** Evaluation times at which the alert must not be firing. */
  silent: string[];
}

type Labels = Record<string, string>;
const sel = (name: string, labels: Labels) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;

const DB = { tenant: "acme", site: "dr", group: "db", source: "engine" };
const WEB = { ...DB, group: "web" };
const WAN = { tenant: "acme", site: "dr", link: "wan0", source: "engine" };
const SRC = { source: "engine", kind: "engine" };
const COLLECTOR = { job: "rpowatch", instance: "collector:9464" };

/** The state-set series of a link: the given states' values, every other state 0 throughout. */
const linkStates = (labels: Labels, values: Partial<Record<LinkState, string>>) =>
  LINK_STATES.map((state) => ({
    series: sel(m.linkState.name, { ...labels, state }),
    values: values[state] ?? "0x12",
  }));

/** A JournalFillingUp case on group db over a journal given minute by minute. */
const journalCase = (
  name: string,
  j: JournalMinutes,
  expect: Pick<AlertTestCase, "firing" | "silent">,
): AlertTestCase => ({
  alert: "journalFillingUp",
  name,
  interval: "1m",
  series: [
    { series: sel(m.journalUsed.name, DB), values: promValues(j.used) },
    { series: sel(m.journalCapacity.name, DB), values: `${j.capacity}x${j.used.length}` },
    { series: sel(m.journalWindowRatio.name, DB), values: promValues(j.ratio) },
  ],
  ...expect,
});

export const CASES: AlertTestCase[] = [
  {
    alert: "rpoThresholdExceeded",
    name: "RPO climbs past the 30 min target of db; web has a 2 h target and stays quiet",
    interval: "1m",
    series: [
      { series: sel(m.groupRpo.name, DB), values: "600+300x20" },
      { series: sel(m.groupRpoTarget.name, DB), values: "1800x20" },
      { series: sel(m.groupRpo.name, WEB), values: "600+300x20" },
      { series: sel(m.groupRpoTarget.name, WEB), values: "7200x20" },
    ],
    firing: [{ at: "10m", instances: [{ labels: DB, value: 3600, threshold: 1800 }] }],
    silent: ["7m"],
  },
  {
    alert: "rpoApproaching",
    name: "RPO passes 80% of the target and stays there",
    interval: "1m",
    series: [
      { series: sel(m.groupRpo.name, DB), values: "1000+100x20" },
      { series: sel(m.groupRpoTarget.name, DB), values: "1800x20" },
    ],
    firing: [{ at: "10m", instances: [{ labels: DB, value: 2000, threshold: 1440 }] }],
    silent: ["8m"],
  },
  {
    alert: "rpoAtRisk",
    name: "the forecast says the RPO will breach",
    interval: "1m",
    series: [{ series: sel(m.groupRpoAtRisk.name, DB), values: "0 0 1x15" }],
    firing: [{ at: "12m", instances: [{ labels: DB, value: 1, threshold: 1 }] }],
    silent: ["1m", "10m"],
  },
  {
    alert: "replicationStalled",
    name: "db has a backlog and drains nothing; web has a backlog but drains",
    interval: "1m",
    series: [
      { series: sel(m.groupBacklogBytes.name, { ...DB, location: "production" }), values: "0 0 1000x20" },
      { series: sel(m.groupBacklogBytes.name, { ...DB, location: "in_flight" }), values: "0x22" },
      { series: sel(m.groupDrainRate.name, DB), values: "100 100 0x20" },
      { series: sel(m.groupBacklogBytes.name, { ...WEB, location: "production" }), values: "1000x22" },
      { series: sel(m.groupDrainRate.name, WEB), values: "100x22" },
    ],
    firing: [{ at: "12m", instances: [{ labels: DB, value: 1000, threshold: 0 }] }],
    silent: ["11m"],
  },
  {
    alert: "backlogGrowing",
    name: "db changes faster than it drains for 3 h; web keeps up",
    interval: "1m",
    series: [
      { series: sel(m.groupChangeRate.name, DB), values: "2000x200" },
      { series: sel(m.groupDrainRate.name, DB), values: "1000x200" },
      { series: sel(m.groupChangeRate.name, WEB), values: "2000x200" },
      { series: sel(m.groupDrainRate.name, WEB), values: "2000x200" },
    ],
    firing: [{ at: "185m", instances: [{ labels: DB, value: 1000, threshold: 0 }] }],
    silent: ["170m"],
  },
  {
    alert: "linkDown",
    name: "the link drops and stays down",
    interval: "1m",
    series: linkStates(WAN, { up: "1 1 0x10", down: "0 0 1x10" }),
    firing: [{ at: "4m", instances: [{ labels: WAN, value: 0, threshold: 1 }] }],
    silent: ["1m", "3m"],
  },
  {
    alert: "linkDown",
    name: "wan0's source goes stale and its state turns unknown; wan1 stays up",
    interval: "1m",
    series: [
      ...linkStates(WAN, { up: "1 1 0x10", unknown: "0 0 1x10" }),
      ...linkStates({ ...WAN, link: "wan1" }, { up: "1x12" }),
    ],
    firing: [{ at: "4m", instances: [{ labels: WAN, value: 0, threshold: 1 }] }],
    silent: ["3m"],
  },
  {
    alert: "bandwidthSaturated",
    name: "wan0 runs at 95% of its limit; wan1 at 50%",
    interval: "1m",
    series: [
      { series: sel(m.linkUtilization.name, WAN), values: "0.95x60" },
      { series: sel(m.linkUtilization.name, { ...WAN, link: "wan1" }), values: "0.5x60" },
    ],
    firing: [{ at: "15m", instances: [{ labels: WAN, value: 0.95, threshold: 0.9 }] }],
    silent: ["14m"],
  },
  {
    alert: "journalFillingUp",
    name: "db holds its window and its full window grows 1 kB a minute (a runaway): a day on it has grown 1.44 MB, which another day adds past 1.5 MB; fired a day and the `for` after its start; web, filling toward its window until 100m, then holding it, has a full window that fits",
    interval: "1m",
    series: [
      { series: sel(m.journalUsed.name, DB), values: "0+1000x1500" },
      { series: sel(m.journalCapacity.name, DB), values: "1500000x1500" },
      { series: sel(m.journalWindowRatio.name, DB), values: "1x1500" },
      { series: sel(m.journalUsed.name, WEB), values: "0+1000x100 100000x1400" },
      { series: sel(m.journalCapacity.name, WEB), values: "1500000x1500" },
      { series: sel(m.journalWindowRatio.name, WEB), values: "0+0.01x100 1x1400" },
    ],
    // 1455m: the day's peak (now) 1.455 MB plus 1.44 MB grown since 15m.
    firing: [{ at: "1455m", instances: [{ labels: DB, value: 2895000, threshold: 1500000 }] }],
    silent: ["76m", "120m", "1440m", "1454m"],
  },
  {
    alert: "journalFillingUp",
    name: "db filled its window in the first hour, then holds it at 1.5 MB of 2 MB: the fill-up is no growth of a full window, a day on as before",
    interval: "1m",
    series: [
      { series: sel(m.journalUsed.name, DB), values: "0+25000x60 1500000x1440" },
      { series: sel(m.journalCapacity.name, DB), values: "2000000x1500" },
      { series: sel(m.journalWindowRatio.name, DB), values: "0+0.0166666667x60 1x1440" },
    ],
    firing: [],
    silent: ["30m", "80m", "1440m", "1450m", "1470m", "1500m"],
  },
  journalCase(
    "the default stack's journal wraps: a full window rises 180 -> 300 MiB in its first half hour, as the volumes are first overwritten, then holds (healthy: it fits 632 MiB), a day on as before",
    defaultStackJournal(26 * 60),
    {
      firing: [],
      silent: ["10m", "30m", "1h", "2h", "135m", "6h", "12h", "1441m", "1455m", "25h", "26h"],
    },
  ),
  journalCase(
    "the same journal, its change rate rising all along: a full window grows 0.1 MiB a minute, 144 MiB a day; fired when the day's peak plus a day's growth passes 632 MiB",
    defaultStackJournal(33 * 60, 0.1),
    {
      // The forecast passes capacity from 1856m on (and for 4 minutes at 1441m, where a day ago is
      // the first half hour's rise: shorter than the 15m `for`).
      firing: [{ at: "1871m", instances: [{ labels: DB, value: 666663360, threshold: 632 * 1024 ** 2 }] }],
      silent: ["1h", "135m", "1445m", "1456m", "1870m"],
    },
  ),
  journalCase(
    "the default stack's journal on the daily workload profile: a full window swings 60 -> 540 MiB and back every day; each morning's rise is no growth (healthy: the peak fits 632 MiB)",
    dailyCycleJournal(50 * 60),
    {
      firing: [],
      silent: ["2h", "135m", "5h", "8h", "12h", "1441m", "1455m", "29h", "32h", "36h", "48h", "50h"],
    },
  ),
  journalCase(
    "the same daily cycle grown 80 MiB a day: tomorrow's peak is yesterday's ~580 MiB plus 80, past 632 MiB; fired as soon as a day is held and the `for`",
    dailyCycleJournal(30 * 60, 80),
    {
      firing: [{ at: "1456m", instances: [{ labels: DB, value: 699513983, threshold: 632 * 1024 ** 2 }] }],
      silent: ["5h", "12h", "1455m"],
    },
  ),
  {
    alert: "protectionWindowShort",
    name: "db covers 80% of its window; the new group is still initializing",
    interval: "1m",
    series: [
      { series: sel(m.journalWindowRatio.name, DB), values: "0.8x30" },
      { series: sel(m.groupState.name, { ...DB, state: "initializing" }), values: "0x30" },
      { series: sel(m.journalWindowRatio.name, { ...DB, group: "new" }), values: "0.5x30" },
      { series: sel(m.groupState.name, { ...DB, group: "new", state: "initializing" }), values: "1x30" },
    ],
    firing: [{ at: "15m", instances: [{ labels: DB, value: 0.8, threshold: 0.85 }] }],
    silent: ["14m"],
  },
  {
    alert: "protectionWindowCritical",
    name: "db covers 70% of its window; the new group is resyncing",
    interval: "1m",
    series: [
      { series: sel(m.journalWindowRatio.name, DB), values: "0.7x30" },
      { series: sel(m.journalWindowRatio.name, { ...DB, group: "new" }), values: "0.1x30" },
      { series: sel(m.groupState.name, { ...DB, group: "new", state: "resyncing" }), values: "1x30" },
    ],
    firing: [{ at: "15m", instances: [{ labels: DB, value: 0.7, threshold: 0.75 }] }],
    silent: ["14m"],
  },
  {
    alert: "sourceBitmapMode",
    name: "the source falls into bitmap mode",
    interval: "1m",
    series: [{ series: sel(m.groupState.name, { ...DB, state: "bitmap" }), values: "0 0 1x5" }],
    firing: [{ at: "3m", instances: [{ labels: { ...DB, state: "bitmap" }, value: 1, threshold: 1 }] }],
    silent: ["1m", "2m"],
  },
  {
    alert: "resyncRequired",
    name: "the resync-required flag stays set",
    interval: "1m",
    series: [{ series: sel(m.groupResyncRequired.name, DB), values: "1x40" }],
    firing: [{ at: "30m", instances: [{ labels: DB, value: 1, threshold: 1 }] }],
    silent: ["29m"],
  },
  {
    alert: "initialSyncStalled",
    name: "db's initial sync stops at 30%; web is active with a finished sync",
    interval: "1m",
    series: [
      { series: sel(m.groupSyncProgress.name, DB), values: "0.1+0.01x20 0.3x60" },
      { series: sel(m.groupState.name, { ...DB, state: "initializing" }), values: "1x80" },
      { series: sel(m.groupSyncProgress.name, WEB), values: "1x80" },
      { series: sel(m.groupState.name, { ...WEB, state: "initializing" }), values: "0x80" },
    ],
    firing: [{ at: "60m", instances: [{ labels: DB, value: 0.3, threshold: 0 }] }],
    silent: ["45m"],
  },
  {
    alert: "consistencyPointStale",
    name: "db has no bookmark for over twice its 10 min interval; web bookmarks every minute",
    interval: "1m",
    series: [
      { series: sel(m.groupLastBookmark.name, DB), values: "0x40" },
      { series: sel(m.groupBookmarkInterval.name, DB), values: "600x40" },
      { series: sel(m.groupLastBookmark.name, WEB), values: "0+60x40" },
      { series: sel(m.groupBookmarkInterval.name, WEB), values: "600x40" },
    ],
    firing: [{ at: "30m", instances: [{ labels: DB, value: 1800, threshold: 1200 }] }],
    silent: ["24m"],
  },
  {
    alert: "sourceDown",
    name: "collections from the engine start failing",
    interval: "1m",
    series: [{ series: sel(m.sourceUp.name, SRC), values: "1 0x10" }],
    firing: [{ at: "2m", instances: [{ labels: SRC, value: 0, threshold: 1 }] }],
    silent: ["0m", "1m"],
  },
  {
    alert: "sourceDataStale",
    name: "the engine's data ages past 30 s",
    interval: "1m",
    series: [{ series: sel(m.sourceDataAge.name, SRC), values: "0+20x10" }],
    firing: [{ at: "3m", instances: [{ labels: SRC, value: 60, threshold: 30 }] }],
    silent: ["1m", "2m"],
  },
  {
    alert: "collectorTargetAbsent",
    name: "the rpowatch target goes down",
    interval: "1m",
    series: [{ series: 'up{job="rpowatch",instance="collector:9464"}', values: "1 1 0x5" }],
    firing: [
      { at: "4m", instances: [{ labels: { job: "rpowatch", instance: "collector:9464" }, value: 0, threshold: 1 }] },
    ],
    silent: ["3m"],
  },
  {
    alert: "collectorTargetAbsent",
    name: "no rpowatch target is scraped at all",
    interval: "1m",
    series: [{ series: 'up{job="node",instance="host:9100"}', values: "1x5" }],
    firing: [{ at: "2m", instances: [{ labels: { job: "rpowatch" }, value: 1, threshold: 1 }] }],
    silent: ["1m"],
  },
  {
    alert: "historyBufferFilling",
    name: "the store is unreachable: the buffer passes 80% of its 1000 points and stays there",
    interval: "1m",
    series: [
      { series: sel(m.historyBufferedPoints.name, COLLECTOR), values: "0+100x15" },
      { series: sel(m.historyBufferCapacity.name, COLLECTOR), values: "1000x15" },
    ],
    firing: [{ at: "14m", instances: [{ labels: COLLECTOR, value: 1.4, threshold: 0.8 }] }],
    silent: ["8m", "12m"],
  },
  {
    alert: "journalOverAllocated",
    name: "two 600 B journals on a 1000 B store at dr; dr2 fits",
    interval: "1m",
    series: [
      { series: sel(m.journalCapacity.name, DB), values: "600x20" },
      { series: sel(m.journalCapacity.name, WEB), values: "600x20" },
      { series: sel(m.journalStoreCapacity.name, DB), values: "1000x20" },
      { series: sel(m.journalStoreCapacity.name, WEB), values: "1000x20" },
      { series: sel(m.journalCapacity.name, { ...DB, site: "dr2" }), values: "600x20" },
      { series: sel(m.journalStoreCapacity.name, { ...DB, site: "dr2" }), values: "1000x20" },
    ],
    firing: [
      {
        at: "15m",
        instances: [{ labels: { tenant: "acme", site: "dr", source: "engine" }, value: 1200, threshold: 1000 }],
      },
    ],
    silent: ["14m"],
  },
  {
    alert: "groupStateUnknown",
    name: "db's source stops reporting and its state turns unknown; web stays active",
    interval: "15s",
    series: [
      { series: sel(m.groupState.name, { ...DB, state: "active" }), values: "1 1 0x10" },
      { series: sel(m.groupState.name, { ...DB, state: "unknown" }), values: "0 0 1x10" },
      { series: sel(m.groupState.name, { ...WEB, state: "active" }), values: "1x12" },
      { series: sel(m.groupState.name, { ...WEB, state: "unknown" }), values: "0x12" },
    ],
    firing: [{ at: "2m", instances: [{ labels: { ...DB, state: "unknown" }, value: 1, threshold: 1 }] }],
    silent: ["0m", "1m"],
  },
  {
    alert: "drTestOverdue",
    name: "db was last tested 31 days ago; web a day ago",
    // promtool starts at the epoch, so "31 days ago" is a negative timestamp; this keeps the test short.
    interval: "1m",
    series: [
      { series: sel(m.groupLastTestFailover.name, DB), values: "-2678000x80" },
      { series: sel(m.groupLastTestFailover.name, WEB), values: "-100000x80" },
    ],
    firing: [{ at: "70m", instances: [{ labels: DB, value: 2682200, threshold: 2678400 }] }],
    silent: ["60m"],
  },
  {
    alert: "drTestOverdue",
    name: "db and web have no drill on record and say so; web's drill is recorded at 80m, which clears it; lost's state is unknown",
    interval: "1m",
    series: [
      { series: sel(m.groupState.name, { ...DB, state: "active" }), values: "1x110" },
      { series: sel(m.groupState.name, { ...WEB, state: "active" }), values: "1x110" },
      { series: sel(m.groupLastTestFailover.name, WEB), values: "_x80 4800x30" },
      { series: sel(m.groupState.name, { ...DB, group: "lost", state: "unknown" }), values: "1x110" },
    ],
    firing: [
      {
        at: "70m",
        instances: [
          { labels: { ...DB, last_test: "never" }, value: Number.POSITIVE_INFINITY, threshold: 2678400 },
          { labels: { ...WEB, last_test: "never" }, value: Number.POSITIVE_INFINITY, threshold: 2678400 },
        ],
      },
      {
        at: "100m",
        instances: [{ labels: { ...DB, last_test: "never" }, value: Number.POSITIVE_INFINITY, threshold: 2678400 }],
      },
    ],
    silent: ["50m"],
  },
  {
    alert: "journalCorruptRecords",
    name: "a record of db's journal fails its checksum at 10m: the alert fires at once and clears an hour later; web's journal stays clean",
    interval: "1m",
    series: [
      { series: sel(m.journalCorruptRecords.name, DB), values: "0x9 1x80" },
      { series: sel(m.journalCorruptRecords.name, WEB), values: "0x90" },
    ],
    firing: [
      { at: "10m", instances: [{ labels: DB, value: 1, threshold: 0 }] },
      { at: "60m", instances: [{ labels: DB, value: 1, threshold: 0 }] },
    ],
    silent: ["9m", "75m"],
  },
  {
    alert: "testFailoverScratchNearlyFull",
    name: "db's test writes fill 90% of its scratch area; web's 50%",
    interval: "1m",
    series: [
      { series: sel(m.groupScratchUsed.name, DB), values: "0+90x10" },
      { series: sel(m.groupScratchCapacity.name, DB), values: "1000x10" },
      { series: sel(m.groupScratchUsed.name, WEB), values: "500x10" },
      { series: sel(m.groupScratchCapacity.name, WEB), values: "1000x10" },
    ],
    firing: [{ at: "10m", instances: [{ labels: DB, value: 0.9, threshold: 0.8 }] }],
    silent: ["8m"],
  },
  {
    alert: "failedOverUnprotected",
    name: "db is promoted at dr for 90 min without a reprotect; web fails over and is reprotected within the hour",
    interval: "5m",
    series: [
      { series: sel(m.groupFailover.name, { ...DB, phase: "none" }), values: "1 0x18" },
      { series: sel(m.groupFailover.name, { ...DB, phase: "promoted" }), values: "0 1x18" },
      { series: sel(m.groupFailover.name, { ...WEB, phase: "promoted" }), values: "0 1x10 0x8" },
      { series: sel(m.groupFailover.name, { ...WEB, phase: "none" }), values: "1 0x10 1x8" },
    ],
    firing: [{ at: "70m", instances: [{ labels: { ...DB, phase: "promoted" }, value: 1, threshold: 1 }] }],
    silent: ["55m"],
  },
];
