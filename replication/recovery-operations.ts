/**
 * The recovery site's operations for an operator (docs/recovery.md): recovery points of each group,
 * image access and test failover, materializing a point into image files (replication/images), and
 * the drill records (replication/drills).
 * The site owns the journals; this reaches them through the group lookup it is given.
 */
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";
import type { RecoveryOperations } from "./control/recovery-operations.ts";
import { ApiError } from "./control/site-control.ts";
import { DRILLS_FILE, type DrillRecord, DrillStore } from "./drills/drill-store.ts";
import { prepareSocketDir, removeStaleGroupSockets } from "./group-sockets.ts";
import { ImageAccess, type ImageGroup, type ImageRequest } from "./images/image-access.ts";
import { Materializer } from "./images/materialize.ts";
import { listPoints, type PointSpec } from "./images/recovery-point.ts";
import type { GroupRecoveryStatus } from "./status.ts";

export class SiteRecoveryOperations implements RecoveryOperations {
  private constructor(
    private readonly images: ImageAccess,
    private readonly materializer: Materializer,
    /** The site's drill records, which failovers (replication/failover) are recorded in too. */
    readonly store: DrillStore,
    private readonly group: (name: string) => ImageGroup,
  ) {}

  static async open(o: {
    dataDir: string;
    host: string;
    /**
     * `imageAccess.socketDir` of the site file: sessions listen on a Unix socket there too (so do
     * promoted volumes, replication/failover); made ready here, at the site's start.
     */
    socketDir?: string;
    logger: Logger;
    /** The site's groups, whose sockets a crash may have left behind. */
    groups: readonly string[];
    group: (name: string) => ImageGroup;
    rpoOf: (group: string) => number;
  }): Promise<SiteRecoveryOperations> {
    const now = () => Date.now() / 1000;
    const drills = await DrillStore.open(join(o.dataDir, DRILLS_FILE), o.logger, now);
    const images = new ImageAccess({
      host: o.host,
      socketDir: o.socketDir,
      scratchDir: join(o.dataDir, "image-scratch"),
      drills,
      logger: o.logger,
      rpoOf: o.rpoOf,
      now,
    });
    await images.removeStaleScratch();
    if (o.socketDir) {
      await prepareSocketDir(o.socketDir);
      await removeStaleGroupSockets(o.socketDir, o.groups);
    }
    return new SiteRecoveryOperations(images, new Materializer({ logger: o.logger, now }), drills, o.group);
  }

  points(group: string) {
    return listPoints(this.group(group).journal);
  }

  beginImage(group: string, request: ImageRequest) {
    return this.images.begin(this.group(group), request);
  }

  imageSession(group: string) {
    this.group(group);
    const s = this.images.session(group);
    if (!s) throw new ApiError(404, `group "${group}" has no image access on`);
    return s;
  }

  moveImage(group: string, point: PointSpec) {
    return this.images.move(this.group(group), point);
  }

  endImage(group: string, outcome: { result: "passed" | "failed"; note?: string }) {
    this.group(group);
    return this.images.end(group, outcome);
  }

  materialize(group: string, point: PointSpec, outDir: string) {
    return this.materializer.start(this.group(group), point, outDir);
  }

  materializeStatus(group: string) {
    this.group(group);
    const m = this.materializer.view(group);
    if (!m) throw new ApiError(404, `group "${group}" has not been materialized since the site started`);
    return m;
  }

  drills(): DrillRecord[] {
    return this.store.list();
  }

  drill(id: string): DrillRecord {
    const d = this.store.get(id);
    if (!d) throw new ApiError(404, `no drill "${id}"`);
    return d;
  }

  status(group: string): GroupRecoveryStatus {
    const passed = this.store.lastPassed(group);
    const timed = this.store.lastWithRto(group);
    return {
      imageAccess: this.images.state(group),
      ...(passed?.endedAt !== undefined && { lastTestFailoverTimestamp: passed.endedAt }),
      ...(timed?.rtoSeconds !== undefined && { lastDrillRtoSeconds: timed.rtoSeconds }),
    };
  }

  async close(): Promise<void> {
    await this.materializer.closeAll();
    await this.images.closeAll();
  }
}
