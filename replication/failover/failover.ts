/**
 * Failover at the recovery site (docs/recovery.md): promotes a recovery group at a chosen point.
 * The link is sealed for the group first (nothing more is appended, and every ack tells the old
 * production site to fence it), the replicas are rolled back to the point (roll-back.ts), the
 * promotion is made durable (failover-record.ts), and only then are the volumes served writable
 * (promoted-volumes.ts), so a crash can never roll back over a client's write. Every failover is a
 * drill record (replication/drills) with its measured RTO.
 *
 * What follows a failover (reprotect, failback) starts from the record: its point splits what the
 * old production site wrote after the failover (journal records above the point) from the rest.
 */
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import type { GroupConfig } from "../config.ts";
import type { DrillRecord, DrillStore } from "../drills/drill-store.ts";
import { promotedSocketPath, refuseTakenSocket } from "../group-sockets.ts";
import { type JournalWindow, type PointSpec, type RecoveryPoint, resolvePoint } from "../images/recovery-point.ts";
import type { GroupFailoverStatus, VolumeAddress } from "../status.ts";
import { type FailoverRecord, writeFailoverRecord } from "./failover-record.ts";
import { PromotedVolumes } from "./promoted-volumes.ts";
import { type RollbackJournal, rollReplicasBack } from "./roll-back.ts";

/** A recovery group as the failover needs it (replication/recovery-side.ts gives it). */
export interface FailoverTarget {
  config: GroupConfig;
  /** Folder of the group's journal, replicas and failover record. */
  dir: string;
  journal: RollbackJournal & JournalWindow & { readonly sourceSite: string | null };
  /** Stops the link feeding the group and resolves once nothing more is being appended. */
  seal(): Promise<void>;
  /** Undoes seal() when the failover failed before it was recorded. */
  unseal(): void;
}

export interface FailoverRequest {
  point: PointSpec;
  operator: string;
  note: string;
  /** A failback's failover: reprotect follows by itself (replication/site.ts). */
  reprotectNext?: boolean;
}

export interface FailoverView {
  group: string;
  point: RecoveryPoint;
  startedAt: number;
  promotedAt: number;
  /** Measured RTO: from the request to the volumes served writable. */
  rtoSeconds: number;
  /** Bytes of the replicas rewritten to roll them back to the point. */
  rolledBackBytes: number;
  /** Where each volume is served writable; `unixUri` too when the site has `imageAccess.socketDir`. */
  volumes: VolumeAddress[];
  drill: string;
}

/** Refused request: `status` is the HTTP status the control API answers with. */
export class FailoverError extends Error {
  constructor(
    readonly status: 409,
    message: string,
  ) {
    super(message);
  }
}

export interface FailoversOptions {
  site: string;
  /** Address the promoted groups' NBD servers bind (each on a port of its own). */
  host: string;
  /**
   * `imageAccess.socketDir` of the site file: each promoted group's volumes listen on
   * `<socketDir>/<group>.promoted.sock` too (group-sockets.ts). Absent: TCP only.
   */
  socketDir?: string;
  drills: DrillStore;
  logger: Logger;
  /** The group's RPO now, as the site reports it. */
  rpoOf: (group: string) => number;
  now?: () => number;
}

export class Failovers {
  private readonly records = new Map<string, FailoverRecord>();
  private readonly served = new Map<string, PromotedVolumes>();
  private readonly running = new Set<string>();
  private drillCounter = 0;
  private readonly now: () => number;

  constructor(private readonly o: FailoversOptions) {
    this.now = o.now ?? (() => Date.now() / 1000);
  }

  /**
   * Fails the group over at the point asked for. Refused, changing nothing, while the group's image
   * access or test failover is on (`imageAccessOn`), while another failover of it runs, for a
   * point the journal cannot give, and while something else holds the group's Unix socket path.
   */
  async failover(target: FailoverTarget, request: FailoverRequest, imageAccessOn: boolean): Promise<FailoverView> {
    const name = target.config.name;
    if (this.running.has(name) || this.records.has(name))
      throw new FailoverError(409, `group "${name}" is already failing over to site ${this.o.site}`);
    if (imageAccessOn)
      throw new FailoverError(
        409,
        `group "${name}" has image access or a test failover on: end it (rpowatch recover image-end --group ${name}) before failing over`,
      );
    const startedAt = this.now();
    // Checked before anything changes; `latest` is resolved again once the link is sealed.
    const asked = resolvePoint(target.journal, request.point, startedAt);
    this.running.add(name);
    try {
      // Checked before anything changes: once promoted, the volumes must be served whatever is in the way.
      const socket = this.socketOf(name);
      if (socket) await refuseTakenSocket(name, socket);
      const rpoAtStart = this.o.rpoOf(name);
      let drill: DrillRecord = {
        id: `${new Date(startedAt * 1000).toISOString().replace(/[-:]/g, "").slice(0, 15)}-${name}-failover-${++this.drillCounter}`,
        kind: "failover",
        group: name,
        tenant: target.config.tenant,
        point: asked,
        startedAt,
        rpoAtStartSeconds: rpoAtStart,
        maxRpoSeconds: rpoAtStart,
        result: "running",
        operator: request.operator,
        note: request.note,
      };
      await this.o.drills.put(drill);
      await target.seal();
      let record: FailoverRecord;
      try {
        const point = resolvePoint(target.journal, request.point, this.now());
        record = {
          phase: "promoting",
          point,
          fromSite: target.journal.sourceSite,
          requestedAt: startedAt,
          drill: drill.id,
          ...(request.reprotectNext && { reprotectNext: true }),
        };
        await writeFailoverRecord(target.dir, record);
      } catch (err) {
        target.unseal();
        await this.o.drills.put({ ...drill, result: "failed", endedAt: this.now(), note: (err as Error).message });
        throw err;
      }
      this.records.set(name, record);
      this.o.logger.warn({ group: name, point: record.point }, "failover: promoting the group");
      const { promoted, rolledBackBytes } = await this.promote(target, record).catch(async (err: Error) => {
        // The record stays `promoting`: the next start finishes the promotion.
        await this.o.drills.put({ ...drill, result: "failed", endedAt: this.now(), note: err.message });
        throw err;
      });
      const view: FailoverView = {
        group: name,
        point: promoted.point,
        startedAt,
        promotedAt: promoted.promotedAt!,
        rtoSeconds: promoted.promotedAt! - startedAt,
        rolledBackBytes,
        volumes: this.served.get(name)!.volumes,
        drill: drill.id,
      };
      drill = {
        ...drill,
        point: promoted.point,
        imageReadyAt: view.promotedAt,
        rtoSeconds: view.rtoSeconds,
        endedAt: view.promotedAt,
        result: "passed",
      };
      await this.o.drills.put(drill);
      return view;
    } finally {
      this.running.delete(name);
    }
  }

  /** At start, for a group with a failover record: finishes its promotion if cut short, and serves it. */
  async resume(target: FailoverTarget, record: FailoverRecord): Promise<void> {
    this.records.set(target.config.name, record);
    if (record.phase === "promoting") {
      this.o.logger.warn({ group: target.config.name }, "failover: finishing a promotion cut short");
      await this.promote(target, record);
      return;
    }
    await this.serve(target);
  }

  record(group: string): FailoverRecord | undefined {
    return this.records.get(group);
  }

  /** Stops serving a promoted group's volumes (reprotect serves them from its production group next). */
  async unserve(group: string): Promise<void> {
    const served = this.served.get(group);
    this.served.delete(group);
    await served?.close();
  }

  /** Serves a promoted group's volumes again (a reprotect refused after unserve()). */
  reserve(target: FailoverTarget): Promise<void> {
    return this.serve(target);
  }

  phase(group: string): FailoverRecord["phase"] | undefined {
    return this.records.get(group)?.phase;
  }

  status(group: string): GroupFailoverStatus | undefined {
    const r = this.records.get(group);
    if (!r) return undefined;
    const served = this.served.get(group);
    const volumes = served?.volumes;
    return {
      phase: r.phase,
      toSite: this.o.site,
      point: r.point,
      sinceTimestamp: r.promotedAt ?? r.requestedAt,
      ...(volumes && { volumes }),
      ...(served?.previousPort !== undefined && { previousPort: served.previousPort }),
      ...(served?.socketError !== undefined && { unixSocketError: served.socketError }),
    };
  }

  async close(): Promise<void> {
    for (const [group, v] of this.served) {
      this.served.delete(group);
      await v.close();
    }
  }

  /**
   * The invariant: the `promoted` record is durable before any client can write, because rolling
   * back again after that would overwrite the clients' writes.
   */
  private async promote(
    target: FailoverTarget,
    record: FailoverRecord,
  ): Promise<{ promoted: FailoverRecord; rolledBackBytes: number }> {
    const rolledBackBytes = await rollReplicasBack(target.journal, record.point.seq, replicas(target));
    const promoted: FailoverRecord = { ...record, phase: "promoted", promotedAt: this.now() };
    await writeFailoverRecord(target.dir, promoted);
    this.records.set(target.config.name, promoted);
    await this.serve(target);
    this.o.logger.warn(
      {
        group: target.config.name,
        point: promoted.point,
        rolledBackBytes,
        volumes: this.served.get(target.config.name)!.volumes,
      },
      "failover: group promoted, volumes served writable",
    );
    return { promoted, rolledBackBytes };
  }

  private socketOf(group: string): string | undefined {
    return this.o.socketDir && promotedSocketPath(this.o.socketDir, group);
  }

  /** Serves the volumes on the port they had (a restart), and remembers the port bound. */
  private async serve(target: FailoverTarget): Promise<void> {
    const name = target.config.name;
    const record = this.records.get(name)!;
    const served = await PromotedVolumes.serve({
      host: this.o.host,
      port: record.port,
      socket: this.socketOf(name),
      volumes: replicas(target),
      dir: target.dir,
      logger: this.o.logger.child({ group: name, failover: true }),
    });
    this.served.set(name, served);
    if (served.port === record.port) return;
    const updated = { ...record, port: served.port };
    await writeFailoverRecord(target.dir, updated);
    this.records.set(name, updated);
  }
}

/** The group's replica images: where the journal keeps them (replication/journal/replicas.ts). */
function replicas(target: FailoverTarget): { name: string; path: string; size: number }[] {
  return target.config.volumes.map((v) => ({
    name: v.name,
    path: v.path ?? join(target.dir, `${v.name}.img`),
    size: v.size,
  }));
}
