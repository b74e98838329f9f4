/**
 * Maps PostgreSQL streaming-replication readings onto the model: one group per standby
 * (application_name). LSNs are byte positions (pg_wal_lsn_diff against 0/0). The rules, also in
 * docs/sources.md:
 * - backlog: production = current − sent, in_flight = sent − flush, recovery = flush − replay;
 * - RPO is 0 only when the standby has replayed everything written (current = replay); otherwise
 *   the walsender's replay_lag, else the standby's own now() − pg_last_xact_replay_timestamp()
 *   when it has received more than it replayed, else the time since the backlog was first seen;
 * - a known standby without a walsender is in state error, and its RPO grows from the last
 *   contact: (now − last contact) + RPO at last contact. It is never reported as 0.
 */
import { DEFAULT_BOOKMARK_INTERVAL_SECONDS, type GroupState } from "../../model/entities.ts";
import type { GroupSample } from "../model.ts";

export interface WalSender {
  applicationName: string;
  state: string;
  syncState: string;
  sentLsn: number | null;
  flushLsn: number | null;
  replayLsn: number | null;
  replayLagSeconds: number | null;
}

export interface PrimaryReading {
  /** The primary's clock, Unix seconds. */
  now: number;
  currentLsn: number;
  databaseBytes: number;
  walRecords: number;
  walSenders: WalSender[];
}

export interface StandbyReading {
  applicationName: string;
  receiveLsn: number | null;
  replayLsn: number | null;
  /** now() − pg_last_xact_replay_timestamp() on the standby; null before the first replayed commit. */
  replayAgeSeconds: number | null;
}

export interface ReplicationPlace {
  tenant: string;
  site: string;
  peerSite: string;
  rpoTargetSeconds: number;
}

interface Contact {
  at: number;
  rpoSeconds: number;
  sent: number;
  flush: number;
  replay: number;
}

const STATES: Record<string, GroupState> = {
  streaming: "active",
  catchup: "resyncing",
  startup: "initializing",
  backup: "initializing",
  stopping: "paused",
};

export class ReplicationTracker {
  private readonly contacts = new Map<string, Contact>();
  private readonly pendingSince = new Map<string, number>();
  private readonly expected: Set<string>;
  private first: { now: number; lsn: number } | undefined;

  constructor(
    private readonly place: ReplicationPlace,
    expected: readonly string[],
  ) {
    this.expected = new Set(expected);
  }

  groups(reading: PrimaryReading, standby?: StandbyReading): GroupSample[] {
    this.first ??= { now: reading.now, lsn: reading.currentLsn };
    const present = new Map(reading.walSenders.map((w) => [w.applicationName, w]));
    const names = new Set([...this.expected, ...this.contacts.keys(), ...present.keys()]);
    return [...names].sort().map((name) => {
      const sender = present.get(name);
      return sender
        ? this.streaming(reading, sender, standby?.applicationName === name ? standby : undefined)
        : this.missing(reading, name);
    });
  }

  private streaming(reading: PrimaryReading, w: WalSender, standby?: StandbyReading): GroupSample {
    // Positions the standby has not reported yet count as not pending at that stage.
    const reported = {
      sent: w.sentLsn ?? reading.currentLsn,
      flush: w.flushLsn ?? w.sentLsn ?? reading.currentLsn,
    };
    const replay = w.replayLsn ?? reported.flush;
    // The primary's position and the walsender's are read at two instants, so the WAL sent can be
    // ahead of the position read before it: each stage is at least the one after it, so no backlog
    // is negative (the later position is the truer one).
    const flush = Math.max(reported.flush, replay);
    const sent = Math.max(reported.sent, flush);
    const current = Math.max(reading.currentLsn, sent);
    let rpo = 0;
    if (current > replay) {
      const since = this.pendingSince.get(w.applicationName) ?? reading.now;
      this.pendingSince.set(w.applicationName, since);
      const standbyAge = standby && standby.receiveLsn !== standby.replayLsn ? standby.replayAgeSeconds : null;
      rpo = w.replayLagSeconds ?? standbyAge ?? reading.now - since;
    } else this.pendingSince.delete(w.applicationName);
    this.contacts.set(w.applicationName, { at: reading.now, rpoSeconds: rpo, sent, flush, replay });
    const recoveryPoint = standby?.replayAgeSeconds != null ? reading.now - standby.replayAgeSeconds : undefined;
    return this.group(reading, w.applicationName, {
      state: STATES[w.state] ?? "error",
      mode: w.syncState === "sync" || w.syncState === "quorum" ? "sync" : "async",
      rpo,
      recoveryPoint,
      backlog: { production: current - sent, in_flight: sent - flush, recovery: flush - replay },
    });
  }

  private missing(reading: PrimaryReading, name: string): GroupSample {
    const current = reading.currentLsn;
    const last = this.contacts.get(name);
    // Never seen since start: everything written since then is at risk, for at least that long.
    const contact = last ?? {
      at: this.first!.now,
      rpoSeconds: 0,
      sent: this.first!.lsn,
      flush: this.first!.lsn,
      replay: this.first!.lsn,
    };
    return this.group(reading, name, {
      state: "error",
      mode: "async",
      rpo: reading.now - contact.at + contact.rpoSeconds,
      recoveryPoint: undefined,
      backlog: {
        production: current - contact.sent,
        in_flight: contact.sent - contact.flush,
        recovery: contact.flush - contact.replay,
      },
    });
  }

  private group(
    reading: PrimaryReading,
    name: string,
    g: {
      state: GroupState;
      mode: "async" | "sync";
      rpo: number;
      recoveryPoint: number | undefined;
      backlog: GroupSample["backlogBytes"];
    },
  ): GroupSample {
    return {
      tenant: this.place.tenant,
      site: this.place.site,
      name,
      state: g.state,
      mode: g.mode,
      peerSite: this.place.peerSite,
      rpoSeconds: g.rpo,
      rpoTargetSeconds: this.place.rpoTargetSeconds,
      recoveryPointTimestamp: g.recoveryPoint,
      backlogBytes: g.backlog,
      bookmarkIntervalSeconds: DEFAULT_BOOKMARK_INTERVAL_SECONDS,
      syncProgressRatio: g.state === "initializing" || g.state === "resyncing" ? 0 : 1,
      syncEtaSeconds: 0,
      resyncRequired: false,
      // The primary's WAL is the change stream every standby must receive: one volume per group.
      volumes: [
        {
          name: "wal",
          sizeBytes: reading.databaseBytes,
          writtenBytesTotal: reading.currentLsn,
          writeOpsTotal: reading.walRecords,
          rpoSeconds: g.rpo,
        },
      ],
      journal: null,
    };
  }
}
