/**
 * `rpowatch recover …`: recovery operations on a recovery site through its control API
 * (docs/recovery.md): list recovery points, add a bookmark, open and end image access or a test
 * failover, fail a group over. `--json` prints the API's answer as is, for scripts.
 */
import { userInfo } from "node:os";
import type { Command } from "commander";
import { ExitCode } from "../../lib/exit-codes.ts";
import { isoTime } from "../../lib/iso-time.ts";
import type { DrillRecord } from "../../replication/drills/drill-store.ts";
import type { FailoverView } from "../../replication/failover/failover.ts";
import type { ImageSessionView } from "../../replication/images/image-access.ts";
import type { MaterializeView } from "../../replication/images/materialize.ts";
import type { RecoveryPoints } from "../../replication/images/recovery-point.ts";
import type {
  BookmarkStatus,
  GroupFailbackStatus,
  GroupReprotectStatus,
  SiteStatus,
  VolumeAddress,
} from "../../replication/status.ts";
import { SiteApi, SiteApiError, siteOption } from "./site-api.ts";

interface Common {
  group: string;
  site?: string;
  json?: boolean;
}

const g = (group: string) => `/groups/${encodeURIComponent(group)}`;

/** Runs an operation; a refusal prints the site's reason and sets the exit code. */
export function operation<O>(run: (api: SiteApi, opts: O) => Promise<void>) {
  return async (opts: O & { site?: string }) => {
    try {
      await run(await SiteApi.connect(opts.site), opts);
    } catch (err) {
      if (!(err instanceof SiteApiError)) throw err;
      process.stderr.write(`rpowatch: ${err.message}\n`);
      process.exitCode = err.status === 0 && err.message.startsWith("no site") ? ExitCode.usage : ExitCode.failure;
    }
  };
}

function print(json: boolean | undefined, value: unknown, text: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : text());
}

/**
 * The volumes' addresses, one a line: the nbd+unix ones with `--unix` when the site serves every
 * volume on a Unix socket too (imageAccess.socketDir), the nbd:// ones otherwise, saying so on
 * stderr when `--unix` asked for the others. `served` names what is served, for that line.
 */
function addressLines(volumes: VolumeAddress[], unix: boolean | undefined, served: string): string {
  const onSocket = unix === true && volumes.every((v) => v.unixUri);
  if (unix && !onSocket)
    process.stderr.write(
      `the site serves ${served} over TCP only (no imageAccess.socketDir in its site file): nbd:// addresses follow\n`,
    );
  return `${volumes.map((v) => (onSocket ? v.unixUri : v.uri)).join("\n")}\n`;
}

/** The point options `image` and `image-move` share; the site checks that exactly one is given. */
interface PointOptions {
  latest?: boolean;
  time?: string;
  bookmark?: string;
  bookmarkBefore?: string;
}

function withPointOptions(command: Command): Command {
  return command
    .option("--latest", "the newest point")
    .option("--time <time>", "the point at a time (ISO 8601 with a zone, e.g. 2026-12-02T15:04:05Z)")
    .option("--bookmark <name>", "the point of a named bookmark")
    .option("--bookmark-before <time>", "the latest bookmark at or before a time");
}

const pointOf = (o: PointOptions): PointOptions => ({
  latest: o.latest,
  time: o.time,
  bookmark: o.bookmark,
  bookmarkBefore: o.bookmarkBefore,
});

const MiB = 1024 * 1024;

/** One progress line: percent, bytes, rate and ETA (rate and ETA only once the site knows them). */
function progressText(m: MaterializeView): string {
  const parts = [
    `${m.state} ${m.percent.toFixed(1)}%`,
    `${(m.doneBytes / MiB).toFixed(1)} of ${(m.totalBytes / MiB).toFixed(1)} MiB`,
  ];
  if (m.bytesPerSecond !== undefined) parts.push(`${(m.bytesPerSecond / MiB).toFixed(1)} MiB/s`);
  if (m.etaSeconds !== undefined) parts.push(`ETA ${Math.ceil(m.etaSeconds)} s`);
  return `materialize ${m.group}: ${parts.join(", ")}`;
}

/** One reprotect progress line: phase, percent, bytes sent of bytes to send, ETA while copying. */
function reprotectText(group: string, r: GroupReprotectStatus): string {
  const parts = [`${r.phase} ${((r.progressRatio ?? 0) * 100).toFixed(1)}%`];
  parts.push(`${((r.bytesSent ?? 0) / MiB).toFixed(1)} of ${((r.bytesToSend ?? 0) / MiB).toFixed(1)} MiB sent`);
  if (r.phase === "resyncing" && r.etaSeconds) parts.push(`ETA ${Math.ceil(r.etaSeconds)} s`);
  return `reprotect ${group}: ${parts.join(", ")}`;
}

/** One failback progress line: phase, percent, bytes shipped and left, ETA while draining. */
function failbackText(group: string, f: GroupFailbackStatus): string {
  const parts = [`${f.phase} ${(f.progressRatio * 100).toFixed(1)}%`];
  parts.push(`${(f.bytesShipped / MiB).toFixed(1)} MiB shipped, ${(f.bytesRemaining / MiB).toFixed(1)} MiB left`);
  if (f.phase === "draining" && f.etaSeconds) parts.push(`ETA ${Math.ceil(f.etaSeconds)} s`);
  return `failback ${group} to ${f.toSite}: ${parts.join(", ")}`;
}

function pointText(p: { seq: number; timestamp: number; bookmark?: string }): string {
  return `${isoTime(p.timestamp)} (seq ${p.seq}${p.bookmark ? `, bookmark ${p.bookmark}` : ""})`;
}

export function registerRecover(program: Command): void {
  const recover = program
    .command("recover")
    .description("recovery operations on a recovery site: points, bookmarks, image access, test failover");

  recover
    .command("points")
    .description("list what the group can be recovered to now: oldest and newest point, bookmarks with their times")
    .requiredOption("--group <name>", "consistency group")
    .addOption(siteOption())
    .option("--json", "print the API answer as JSON")
    .action(
      operation<Common>(async (api, o) => {
        const p = await api.get<RecoveryPoints & { group: string }>(`${g(o.group)}/points`);
        print(o.json, p, () =>
          [
            `group ${o.group}: recoverable from ${pointText(p.oldest)} to ${pointText(p.newest)}`,
            `${p.bookmarks.length} bookmark(s)${p.bookmarks.length ? ":" : ""}`,
            ...p.bookmarks.map((b) => `  ${isoTime(b.timestamp)}  seq ${b.seq}  ${b.name}`),
            "",
          ].join("\n"),
        );
      }),
    );

  recover
    .command("bookmark")
    .description("mark the group's current point with a name (on the production site: its head; here: what is durable)")
    .requiredOption("--group <name>", "consistency group")
    .requiredOption("--name <name>", "bookmark name: 1-128 of A-Z a-z 0-9 . _ : -")
    .addOption(siteOption())
    .option("--json", "print the API answer as JSON")
    .action(
      operation<Common & { name: string }>(async (api, o) => {
        const b = await api.post<BookmarkStatus>(`${g(o.group)}/bookmarks`, { name: o.name });
        print(o.json, b, () => `bookmark ${b.name} at ${pointText(b)}\n`);
      }),
    );

  withPointOptions(
    recover
      .command("image")
      .description(
        "serve a point-in-time image of each volume of the group over NBD; prints one nbd:// address per volume",
      )
      .requiredOption("--group <name>", "consistency group"),
  )
    .option("--writable", "test failover: writes go to a scratch area and are discarded at image-end")
    .option(
      "--unix",
      "print the nbd+unix:// addresses (Unix socket, for clients on the recovery host) of a site with imageAccess.socketDir",
    )
    .option("--operator <name>", "who runs the drill (recorded)", userInfo().username)
    .option("--note <text>", "note recorded with the drill")
    .addOption(siteOption())
    .option("--json", "print the API answer as JSON")
    .action(
      operation<Common & PointOptions & { writable?: boolean; unix?: boolean; operator: string; note?: string }>(
        async (api, o) => {
          const s = await api.post<ImageSessionView>(`${g(o.group)}/image`, {
            ...pointOf(o),
            writable: o.writable,
            operator: o.operator,
            note: o.note,
          });
          if (!o.json)
            process.stderr.write(
              `${s.writable ? "test failover" : "image access"} on for ${s.group} at ${pointText(s.point)}; ready in ${(
                s.readyAt - s.startedAt
              ).toFixed(3)} s${s.drill ? `; drill ${s.drill}` : ""}\n`,
            );
          print(o.json, s, () => addressLines(s.volumes, o.unix, "images"));
        },
      ),
    );

  withPointOptions(
    recover
      .command("image-move")
      .description(
        "move the group's read-only image to another point in place: the nbd:// addresses and their clients stay, new reads see the new point",
      )
      .requiredOption("--group <name>", "consistency group"),
  )
    .addOption(siteOption())
    .option("--json", "print the API answer as JSON")
    .action(
      operation<Common & PointOptions>(async (api, o) => {
        const s = await api.post<ImageSessionView>(`${g(o.group)}/image/move`, pointOf(o));
        print(o.json, s, () => `image access of ${s.group} now at ${pointText(s.point)}\n`);
      }),
    );

  withPointOptions(
    recover
      .command("materialize")
      .description(
        "write the point into one raw image file per volume under --out (on the recovery site), printing progress, bytes and ETA until done",
      )
      .requiredOption("--group <name>", "consistency group"),
  )
    .requiredOption(
      "--out <dir>",
      "absolute directory on the recovery site for <volume>.img files (created if missing)",
    )
    .option("--detach", "start it and return; follow it with GET /groups/:g/materialize")
    .option("--interval <seconds>", "seconds between progress lines", "1")
    .addOption(siteOption())
    .option("--json", "print the API answer as JSON (the final status, or the start with --detach)")
    .action(
      operation<Common & PointOptions & { out: string; detach?: boolean; interval: string }>(async (api, o) => {
        const intervalMs = Number(o.interval) * 1000;
        if (!(intervalMs > 0))
          throw new SiteApiError(0, `--interval must be a positive number of seconds, got "${o.interval}"`);
        let m = await api.post<MaterializeView>(`${g(o.group)}/materialize`, { ...pointOf(o), out: o.out });
        if (!o.json) process.stderr.write(`materializing ${m.group} at ${pointText(m.point)} into ${m.outDir}\n`);
        while (!o.detach && m.state === "running") {
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
          m = await api.get<MaterializeView>(`${g(o.group)}/materialize`);
          if (!o.json) process.stderr.write(`${progressText(m)}\n`);
        }
        if (m.state === "failed") throw new SiteApiError(0, `materialize of ${m.group} failed: ${m.error}`);
        print(o.json, m, () => (m.state === "done" ? `${m.files.map((f) => f.path).join("\n")}\n` : ""));
      }),
    );

  recover
    .command("image-end")
    .description("end the group's image access or test failover: clients are dropped, test writes discarded")
    .requiredOption("--group <name>", "consistency group")
    .option("--result <result>", "drill result to record: passed or failed", "passed")
    .option("--note <text>", "note added to the drill record")
    .addOption(siteOption())
    .option("--json", "print the API answer as JSON")
    .action(
      operation<Common & { result: string; note?: string }>(async (api, o) => {
        const r = await api.post<{ drill?: DrillRecord }>(`${g(o.group)}/image/end`, {
          result: o.result,
          note: o.note,
        });
        print(o.json, r, () =>
          r.drill
            ? `test failover of ${o.group} ended: drill ${r.drill.id} ${r.drill.result}, RTO ${r.drill.rtoSeconds?.toFixed(3)} s, highest RPO ${r.drill.maxRpoSeconds.toFixed(1)} s\n`
            : `image access of ${o.group} ended\n`,
        );
      }),
    );

  recover
    .command("failover")
    .description(
      "fail the group over to this recovery site at a point: the old production site is fenced when reachable, the volumes are served writable here; prints one nbd:// address per volume (nbd+unix:// with --unix)",
    )
    .requiredOption("--group <name>", "consistency group")
    .option("--latest", "the newest point")
    .option("--time <time>", "the point at a time (ISO 8601 with a zone, e.g. 2026-12-02T15:04:05Z)")
    .option("--bookmark <name>", "the point of a named bookmark")
    .option("--bookmark-before <time>", "the latest bookmark at or before a time")
    .option(
      "--unix",
      "print the nbd+unix:// addresses (Unix socket <socketDir>/<group>.promoted.sock, for clients on this host) of a site with imageAccess.socketDir",
    )
    .option("--operator <name>", "who fails over (recorded)", userInfo().username)
    .option("--note <text>", "note recorded with the failover")
    .addOption(siteOption())
    .option("--json", "print the API answer as JSON")
    .action(
      operation<
        Common & {
          latest?: boolean;
          time?: string;
          bookmark?: string;
          bookmarkBefore?: string;
          unix?: boolean;
          operator: string;
          note?: string;
        }
      >(async (api, o) => {
        const f = await api.post<FailoverView>(`${g(o.group)}/failover`, {
          latest: o.latest,
          time: o.time,
          bookmark: o.bookmark,
          bookmarkBefore: o.bookmarkBefore,
          operator: o.operator,
          note: o.note,
        });
        if (!o.json)
          process.stderr.write(
            `${f.group} failed over at ${pointText(f.point)}; served writable after ${f.rtoSeconds.toFixed(3)} s; drill ${f.drill}\n`,
          );
        print(o.json, f, () => addressLines(f.volumes, o.unix, "promoted volumes"));
      }),
    );

  recover
    .command("reprotect")
    .description(
      "at the site the group failed over to: reverse replication towards the old production site, sending only the extents that differ; prints progress, bytes and ETA until protected",
    )
    .requiredOption("--group <name>", "consistency group")
    .option("--discard-side <site>", "after a split brain: the site whose writes after the failover are discarded")
    .option("--detach", "start it and return; follow it in GET /status (groups[].reprotect)")
    .option("--interval <seconds>", "seconds between progress lines", "1")
    .addOption(siteOption())
    .option("--json", "print the final reprotect status as JSON (the start with --detach)")
    .action(
      operation<Common & { discardSide?: string; detach?: boolean; interval: string }>(async (api, o) => {
        const intervalMs = Number(o.interval) * 1000;
        if (!(intervalMs > 0))
          throw new SiteApiError(0, `--interval must be a positive number of seconds, got "${o.interval}"`);
        let r = await api.post<GroupReprotectStatus>(
          `${g(o.group)}/reprotect`,
          o.discardSide === undefined ? {} : { discardSide: o.discardSide },
        );
        if (r.direction === "recovery") {
          print(
            o.json,
            r,
            () => `${o.group}: writes here discarded; ${r.peerSite} takes the group back and resyncs it here\n`,
          );
          return;
        }
        if (!o.json)
          process.stderr.write(
            `${o.group} reprotecting towards ${r.peerSite}: ${((r.bytesToSend ?? 0) / MiB).toFixed(1)} MiB of extents to send\n`,
          );
        while (!o.detach && r.phase !== "protected") {
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
          const group = (await api.get<SiteStatus>("/status")).groups.find((x) => x.name === o.group);
          if (!group?.reprotect) throw new SiteApiError(0, `group ${o.group} no longer reports a reprotect`);
          r = group.reprotect;
          if (!o.json) process.stderr.write(`${reprotectText(o.group, r)}\n`);
        }
        print(o.json, r, () => `${(r.volumes ?? []).map((v) => v.uri).join("\n")}\n`);
      }),
    );

  recover
    .command("failback")
    .description(
      "at the group's production site after a reprotect: stop its writes, ship everything, fail over to the other site and reprotect there, so the group returns to its original direction; prints progress, bytes and ETA of the drain",
    )
    .requiredOption("--group <name>", "consistency group")
    .option("--detach", "start it and return; follow it in GET /status (groups[].failback)")
    .option("--interval <seconds>", "seconds between progress lines", "1")
    .addOption(siteOption())
    .option("--json", "print the group's final status here as JSON (the failback's start with --detach)")
    .action(
      operation<Common & { detach?: boolean; interval: string }>(async (api, o) => {
        const intervalMs = Number(o.interval) * 1000;
        if (!(intervalMs > 0))
          throw new SiteApiError(0, `--interval must be a positive number of seconds, got "${o.interval}"`);
        const f = await api.post<GroupFailbackStatus>(`${g(o.group)}/failback`, {});
        if (o.detach) {
          print(o.json, f, () => `${failbackText(o.group, f)}\n`);
          return;
        }
        if (!o.json) process.stderr.write(`${o.group} failing back to ${f.toSite}: writes refused here\n`);
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
          const group = (await api.get<SiteStatus>("/status")).groups.find((x) => x.name === o.group);
          if (group?.direction === "recovery" && group.reprotect?.direction === "recovery") {
            print(o.json, group, () => `${o.group} failed back: production at ${f.toSite}, recovery here\n`);
            return;
          }
          const fb = group?.failback;
          if (fb?.phase === "failed" || fb?.phase === "stopped")
            throw new SiteApiError(0, `failback of ${o.group} ${fb.phase}: ${fb.error}`);
          if (!o.json)
            process.stderr.write(
              `${fb ? failbackText(o.group, fb) : `failback ${o.group}: handed over, waiting for ${f.toSite} to take the link`}\n`,
            );
        }
      }),
    );
}
