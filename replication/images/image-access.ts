/**
 * Image access at the recovery site: per consistency group at most one session, which serves a
 * point-in-time image of each of the group's volumes on its own NBD server (one port per session,
 * so ending it drops exactly its clients). A writable session is a test failover: each volume gets
 * a copy-on-write overlay whose scratch comes out of the group's image-access share of the journal
 * (000_e7ab14c372fca572.txt L130), and the drill is recorded. Replication and distribution go on
 * meanwhile; ending the session discards the test's writes, so the replica is never touched.
 * A read-only session's point can be moved in place (its exports and clients stay); a test
 * failover's cannot (see `move`).
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../../lib/log.ts";
import type { GroupConfig } from "../config.ts";
import type { DrillRecord, DrillStore } from "../drills/drill-store.ts";
import { imageSocketPath, listenOnGroupSocket } from "../group-sockets.ts";
import { nbdTcpUri, nbdUnixUri } from "../nbd/address.ts";
import type { NbdExportBackend } from "../nbd/backend.ts";
import { NbdServer } from "../nbd/server.ts";
import type { GroupRecoveryStatus, VolumeAddress } from "../status.ts";
import { type HeldPoint, MovablePoint } from "./movable-point.ts";
import { PointInTimeImage } from "./point-in-time-image.ts";
import { type JournalWindow, PointError, type PointSpec, type RecoveryPoint, resolvePoint } from "./recovery-point.ts";
import { ScratchBudget, ScratchOverlay } from "./scratch-overlay.ts";

export interface ImageGroup {
  config: GroupConfig;
  /** Journal (replication/journal) satisfies it: its window, and a pin per session instead of a lock. */
  journal: JournalWindow & { pin(seq: number, holder: string): HeldPoint };
}

export interface ImageAccessOptions {
  /** Address the sessions' NBD servers bind (each on a port of its own). */
  host: string;
  /**
   * Folder where each session also listens on a Unix socket, `<group>.sock` (site file
   * `imageAccess.socketDir`, made ready by the site: group-sockets.ts): a client on this host then
   * skips the TCP stack. Absent: TCP only.
   */
  socketDir?: string;
  /** Scratch files of test failovers live under it, one folder per group. */
  scratchDir: string;
  drills: DrillStore;
  logger: Logger;
  /** The group's RPO now, as the site reports it. */
  rpoOf: (group: string) => number;
  now?: () => number;
}

export interface ImageRequest {
  point: PointSpec;
  writable: boolean;
  operator: string;
  note: string;
}

export interface ImageSessionView {
  group: string;
  point: RecoveryPoint;
  writable: boolean;
  startedAt: number;
  readyAt: number;
  /** When the point was last moved (read-only sessions); absent when never. */
  movedAt?: number;
  /** `uri` over TCP; `unixUri` (nbd+unix) when the site serves images on a Unix socket too. */
  volumes: VolumeAddress[];
  scratch?: { capacityBytes: number; usedBytes: number };
  drill?: string;
}

/** Refused request: `status` is the HTTP status the control API answers with. */
export class ImageAccessError extends Error {
  constructor(
    readonly status: 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = "ImageAccessError";
  }
}

/** How a group's image access stands, for the site status. */
export type ImageAccessState = GroupRecoveryStatus["imageAccess"];

/** Share of the journal's capacity a test failover may write by default (000_e7ab14c372fca572.txt L130). */
export const DEFAULT_IMAGE_ACCESS_SHARE = 0.2;
const FIRST_BYTES = 4096;
const RPO_SAMPLE_MS = 1000;

interface Session {
  view: ImageSessionView;
  /** Released at the end: until then retention keeps every record the images read. */
  point: MovablePoint;
  server: NbdServer;
  overlays: ScratchOverlay[];
  budget?: ScratchBudget;
  drill?: DrillRecord;
  sampler: NodeJS.Timeout;
  maxRpo: number;
}

export class ImageAccess {
  private readonly sessions = new Map<string, Session>();
  /** Groups whose session is being opened: a second request meanwhile is refused, not queued. */
  private readonly opening = new Set<string>();
  /** Groups whose session is moving to another point: a second move meanwhile is refused. */
  private readonly moving = new Set<string>();
  private readonly now: () => number;
  private drillCounter = 0;

  constructor(private readonly opts: ImageAccessOptions) {
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  /** Removes scratch left by a session cut short (a crash): its test writes are void by design. */
  async removeStaleScratch(): Promise<void> {
    await rm(this.opts.scratchDir, { recursive: true, force: true });
  }

  session(group: string): ImageSessionView | undefined {
    const s = this.sessions.get(group);
    return s && { ...s.view, ...(s.budget && { scratch: this.scratchOf(s) }) };
  }

  state(group: string): ImageAccessState {
    const s = this.sessions.get(group);
    if (!s) return { mode: "off" };
    if (!s.budget) return { mode: "read-only" };
    return {
      mode: "test-failover",
      scratchUsedBytes: s.budget.usedBytes,
      scratchCapacityBytes: s.budget.capacityBytes,
    };
  }

  async begin(g: ImageGroup, request: ImageRequest): Promise<ImageSessionView> {
    const name = g.config.name;
    if (this.sessions.has(name) || this.opening.has(name))
      throw new ImageAccessError(
        409,
        `group "${name}" already has image access on; move a read-only session to another point (image-move), or end it (image-end) first`,
      );
    const startedAt = this.now();
    const point = resolvePoint(g.journal, request.point, startedAt);
    this.opening.add(name);
    try {
      const session = await this.open(g, request, point, startedAt);
      this.sessions.set(name, session);
      return this.session(name)!;
    } finally {
      this.opening.delete(name);
    }
  }

  /**
   * Moves a read-only session to another point in place: its NBD exports and their clients stay,
   * reads begun from now on see the new point (reads in flight finish on the old one). A test
   * failover cannot move: its writes were made against its point, and laid over another point
   * they would make an image that never existed; it needs a new session.
   */
  async move(g: ImageGroup, spec: PointSpec): Promise<ImageSessionView> {
    const name = g.config.name;
    const s = this.sessions.get(name);
    if (!s) throw new ImageAccessError(404, `group "${name}" has no image access on: start one (image) first`);
    if (s.budget)
      throw new ImageAccessError(
        409,
        `group "${name}" runs a test failover at seq ${s.view.point.seq}: its writes were made against that point, so it cannot move; end it (image-end) and start a new one at the other point`,
      );
    if (this.moving.has(name)) throw new ImageAccessError(409, `group "${name}": a move of its image is under way`);
    const now = this.now();
    const point = resolvePoint(g.journal, spec, now);
    this.moving.add(name);
    try {
      // Pinned before the switch: a point that left the window is refused with nothing changed.
      const moved = s.point.moveTo(this.pinPoint(g, point, false));
      this.opts.logger.info({ group: name, from: s.view.point.seq, seq: point.seq }, "image access moved");
      s.view = { ...s.view, point, movedAt: now };
      await moved;
    } finally {
      this.moving.delete(name);
    }
    return this.session(name)!;
  }

  /** Ends the group's session: its clients are dropped, a test's writes discarded, the drill closed. */
  async end(group: string, outcome: { result: "passed" | "failed"; note?: string }): Promise<{ drill?: DrillRecord }> {
    const s = this.sessions.get(group);
    if (!s) throw new ImageAccessError(404, `group "${group}" has no image access on`);
    this.sessions.delete(group);
    clearInterval(s.sampler);
    await this.close(s);
    if (!s.drill) return {};
    const drill: DrillRecord = {
      ...s.drill,
      maxRpoSeconds: Math.max(s.maxRpo, this.opts.rpoOf(group)),
      endedAt: this.now(),
      result: outcome.result,
      note: outcome.note ? (s.drill.note ? `${s.drill.note}; ${outcome.note}` : outcome.note) : s.drill.note,
    };
    await this.opts.drills.put(drill);
    return { drill };
  }

  /** Stops every session (site shutdown); running drills stay `running` and are closed as interrupted at the next start. */
  async closeAll(): Promise<void> {
    for (const [group, s] of this.sessions) {
      this.sessions.delete(group);
      clearInterval(s.sampler);
      await this.close(s);
    }
  }

  private async open(g: ImageGroup, request: ImageRequest, point: RecoveryPoint, startedAt: number): Promise<Session> {
    const name = g.config.name;
    const rpoAtStart = this.opts.rpoOf(name);
    let drill: DrillRecord | undefined;
    if (request.writable) {
      drill = {
        id: `${new Date(startedAt * 1000).toISOString().replace(/[-:]/g, "").slice(0, 15)}-${name}-${++this.drillCounter}`,
        kind: "test-failover",
        group: name,
        tenant: g.config.tenant,
        point,
        startedAt,
        rpoAtStartSeconds: rpoAtStart,
        maxRpoSeconds: rpoAtStart,
        result: "running",
        operator: request.operator,
        note: request.note,
      };
      await this.opts.drills.put(drill);
    }
    const pinned = new MovablePoint(this.pinPoint(g, point, request.writable));
    const backends = new Map<string, NbdExportBackend>();
    const overlays: ScratchOverlay[] = [];
    const budget = request.writable
      ? new ScratchBudget(
          Math.floor((g.config.imageAccessShare ?? DEFAULT_IMAGE_ACCESS_SHARE) * g.config.retention.capacity),
        )
      : undefined;
    const server = new NbdServer({
      lookup: (n) => backends.get(n),
      list: () => [...backends.keys()],
      logger: this.opts.logger.child({ group: name, imageAccess: true }),
    });
    try {
      if (budget) await mkdir(join(this.opts.scratchDir, name), { recursive: true });
      for (const v of g.config.volumes) {
        const image = new PointInTimeImage(v.name, v.size, v.name, pinned);
        if (!budget) {
          backends.set(v.name, image);
          continue;
        }
        const overlay = await ScratchOverlay.open(image, {
          path: join(this.opts.scratchDir, name, `${v.name}.scratch`),
          budget,
        });
        overlays.push(overlay);
        backends.set(v.name, overlay);
      }
      // Ready means readable: the first bytes of every volume are read through the export's backend.
      await Promise.all([...backends.values()].map((b) => b.read(0, Math.min(FIRST_BYTES, b.size))));
      const bound = await server.listen(this.opts.host, 0);
      const socket = this.opts.socketDir && imageSocketPath(this.opts.socketDir, name);
      if (socket) await listenOnGroupSocket(server, name, socket);
      const readyAt = this.now();
      const view: ImageSessionView = {
        group: name,
        point,
        writable: request.writable,
        startedAt,
        readyAt,
        volumes: g.config.volumes.map((v) => ({
          name: v.name,
          uri: nbdTcpUri(bound.host, bound.port, v.name),
          ...(socket && { unixUri: nbdUnixUri(socket, v.name) }),
        })),
      };
      if (drill) {
        drill = { ...drill, imageReadyAt: readyAt, rtoSeconds: readyAt - startedAt };
        await this.opts.drills.put(drill);
        view.drill = drill.id;
      }
      const session: Session = {
        view,
        point: pinned,
        server,
        overlays,
        budget,
        drill,
        maxRpo: rpoAtStart,
        sampler: undefined!,
      };
      session.sampler = setInterval(() => {
        session.maxRpo = Math.max(session.maxRpo, this.opts.rpoOf(name));
      }, RPO_SAMPLE_MS).unref();
      this.opts.logger.info(
        { group: name, seq: point.seq, writable: request.writable, rtoSeconds: readyAt - startedAt },
        "image access on",
      );
      return session;
    } catch (err) {
      await this.close({ point: pinned, server, overlays }).catch(() => {});
      if (drill)
        await this.opts.drills.put({
          ...drill,
          result: "failed",
          endedAt: this.now(),
          note: `image failed: ${(err as Error).message}`,
        });
      throw err;
    }
  }

  private async close(s: Pick<Session, "point" | "server" | "overlays">): Promise<void> {
    await s.server.close();
    for (const o of s.overlays) await o.discard();
    await s.point.release();
  }

  /** The point was in the window when resolved; retention may have trimmed it since (then the request is refused). */
  private pinPoint(g: ImageGroup, point: RecoveryPoint, writable: boolean) {
    try {
      return g.journal.pin(point.seq, `${writable ? "test failover" : "image access"} ${g.config.name}@${point.seq}`);
    } catch (err) {
      if (err instanceof RangeError) throw new PointError(400, `the point left the recoverable window: ${err.message}`);
      throw err;
    }
  }

  private scratchOf(s: Session): { capacityBytes: number; usedBytes: number } {
    return { capacityBytes: s.budget!.capacityBytes, usedBytes: s.budget!.usedBytes };
  }
}
