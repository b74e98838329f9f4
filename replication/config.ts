/**
 * Schema of an engine site's YAML file (`rpowatch engine --config site.yaml`), documented in
 * docs/engine.md. Direction belongs to a consistency group: the site's `role` is the default
 * direction of its groups, and a group may say its own, so one site can be production for some
 * groups and recovery for others. Fields that only one direction needs are checked against the
 * directions the site's groups have, so that an error names the field that is missing or out of place.
 */
import { z } from "zod";
import { byteSize, duration, hostPort, secretRef } from "../lib/config-file.ts";
import { promotedSocketPath } from "./group-sockets.ts";
import { unixSocketPathProblem } from "./nbd/address.ts";
import { MAX_CHANGE_BYTES } from "./records.ts";

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const name = (what: string) =>
  z.string().regex(NAME, `${what} must be 1-63 characters of a-z, 0-9, '_' or '-', starting with a letter or digit`);

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM (24-hour)");

const compression = z.enum(["off", "lz4", "zstd"]);

/** Which way a group replicates from this site: its writes are served and shipped here, or received and journaled here. */
export const direction = z.enum(["production", "recovery"]);

export const volumeConfig = z
  .object({
    name: name("volume name"),
    size: byteSize.refine((n) => n > 0 && n % 4096 === 0, "volume size must be a positive multiple of 4096 bytes"),
    /** Raw image file; default `<dataDir>/<group>/<volume>.img`. */
    path: z.string().min(1).optional(),
  })
  .strict();

export const groupConfig = z
  .object({
    name: name("group name"),
    tenant: name("tenant").default("default"),
    direction: direction.optional().describe("this group's direction at this site; absent: the site's role"),
    mode: z.enum(["async", "sync"]).default("async"),
    /** RPO target; InMage's default RPO threshold is 30 min (001_0cf9b2a003f84c21.txt L1726). */
    rpoTarget: duration.default(1800),
    /** Periodic bookmark interval; InMage's consistency interval default is 30 min (L3086). */
    bookmarkInterval: duration.default(1800),
    compression: compression.optional(),
    volumes: z.array(volumeConfig).min(1, "a group needs at least one volume"),
    retention: z
      .object({
        /** Required protection window (time-based retention). */
        window: duration.default(86400),
        /** Journal capacity (space-based retention); the 10 GB floor of 000_e7ab14c372fca572.txt L112 is advisory. */
        capacity: byteSize.default(1024 ** 3),
      })
      .strict()
      .default({ window: 86400, capacity: 1024 ** 3 }),
    /**
     * Share of the journal capacity a test failover may write into its scratch area: RecoverPoint's
     * default 20%, 40% advised for long tests (000_e7ab14c372fca572.txt L130). Absent: the default.
     */
    imageAccessShare: z
      .number()
      .gt(0, "imageAccessShare must be > 0")
      .max(1, "imageAccessShare must be <= 1")
      .optional(),
  })
  .strict()
  .superRefine((g, ctx) => {
    const seen = new Set<string>();
    g.volumes.forEach((v, i) => {
      if (seen.has(v.name))
        ctx.addIssue({ code: "custom", path: ["volumes", i, "name"], message: `duplicate volume name "${v.name}"` });
      seen.add(v.name);
    });
  });

export const linkConfig = z
  .object({
    /** Recovery site: where it accepts the production site's link. */
    listen: hostPort.optional(),
    /** Production site: the recovery site's link address. */
    peer: hostPort.optional(),
    /** Pre-shared key both sites prove knowledge of (HMAC challenge); never inline. */
    psk: secretRef,
    /** Mutual TLS on the link (optional): this site's certificate and key, and the CA the peer's must chain to. */
    tls: z
      .object({
        cert: z.string().min(1).describe("PEM certificate (chain) this site presents"),
        key: secretRef,
        ca: z.string().min(1).describe("PEM CA certificate(s) the peer's certificate must chain to"),
      })
      .strict()
      .optional(),
    compression: compression.default("lz4"),
    /** Bandwidth limit in bytes/s; 0 = unlimited. Changeable at run time through the control API. */
    limit: byteSize.default(0),
    schedule: z.array(z.object({ from: timeOfDay, to: timeOfDay, limit: byteSize }).strict()).default([]),
    batchBytes: byteSize
      .refine(
        (n) => n > 0 && n <= MAX_CHANGE_BYTES,
        `batch size must be between 1 byte and ${MAX_CHANGE_BYTES / 1024 ** 2}MiB`,
      )
      .default(1024 * 1024),
    batchMillis: z.number().positive().max(1000).default(2),
    heartbeatInterval: duration.default(1),
  })
  .strict();

export const siteConfig = z
  .object({
    site: name("site name"),
    /** The default direction of the site's groups. */
    role: direction,
    dataDir: z.string().min(1),
    control: z.object({ listen: hostPort }).strict(),
    nbd: z.object({ listen: hostPort }).strict().optional(),
    imageAccess: z
      .object({
        socketDir: z
          .string()
          .startsWith("/", "must be an absolute path")
          .describe(
            "absolute folder; each image access / test failover session also listens on its Unix socket socketDir/GROUP.sock, and a group's volumes promoted by a failover on socketDir/GROUP.promoted.sock (nbd+unix:// addresses), besides their TCP ports; created if missing",
          ),
      })
      .strict()
      .optional(),
    link: linkConfig,
    queue: z
      .object({
        /** Bound of the durable production queue; past it the group falls back to bitmap mode. */
        maxBytes: byteSize.default(256 * 1024 ** 2),
      })
      .strict()
      .default({ maxBytes: 256 * 1024 ** 2 }),
    groups: z.array(groupConfig).min(1, "a site needs at least one consistency group"),
  })
  .strict()
  .superRefine((s, ctx) => {
    checkDirections(s, ctx);
    if (s.imageAccess) checkSocketPaths(s.imageAccess.socketDir, s.groups, ctx);
    const seen = new Set<string>();
    const volumes = new Set<string>();
    s.groups.forEach((g, i) => {
      if (seen.has(g.name))
        ctx.addIssue({ code: "custom", path: ["groups", i, "name"], message: `duplicate group name "${g.name}"` });
      seen.add(g.name);
      // Volume names are the NBD export names, so they must be unique across the site's groups.
      g.volumes.forEach((v, j) => {
        if (volumes.has(v.name) && !g.volumes.slice(0, j).some((w) => w.name === v.name))
          ctx.addIssue({
            code: "custom",
            path: ["groups", i, "volumes", j, "name"],
            message: `volume "${v.name}" is already used by another group (NBD export names are per site)`,
          });
        volumes.add(v.name);
      });
    });
  });

/**
 * What each direction needs: production groups an NBD listener for their volumes and a link peer
 * to ship to; recovery groups a link listener. A site whose groups all take its role is told in
 * the role's words; a group that differs from its site is named with the path of its direction.
 */
interface DirectedSite {
  role: Direction;
  nbd?: unknown;
  link: { peer?: string; listen?: string };
  groups: { name: string; direction?: Direction }[];
}

function checkDirections(s: DirectedSite, ctx: z.RefinementCtx): void {
  const differing = (d: Direction) =>
    s.groups.flatMap((g, i) =>
      g.direction === d && s.role !== d ? [`group "${g.name}" (groups.${i}.direction)`] : [],
    );
  const has = (d: Direction) => s.groups.some((g) => (g.direction ?? s.role) === d);
  const needs = (d: Direction, field: string) =>
    s.role === d ? `a ${d} site needs ${field}` : `${differing(d).join(", ")} is ${d} here and needs ${field}`;
  if (has("production")) {
    if (!s.nbd) ctx.addIssue({ code: "custom", path: ["nbd"], message: needs("production", "nbd.listen") });
    if (!s.link.peer)
      ctx.addIssue({ code: "custom", path: ["link", "peer"], message: needs("production", "link.peer") });
  } else if (s.nbd) {
    ctx.addIssue({
      code: "custom",
      path: ["nbd"],
      message: "a site with no production group serves no NBD volumes for writing; remove nbd",
    });
  }
  if (has("recovery") && !s.link.listen)
    ctx.addIssue({ code: "custom", path: ["link", "listen"], message: needs("recovery", "link.listen") });
}

/**
 * Each group's sockets must fit a Unix socket address: the longest group name decides, in the
 * longer of its two names (its promoted volumes', group-sockets.ts).
 */
function checkSocketPaths(dir: string, groups: { name: string }[], ctx: z.RefinementCtx): void {
  const longest = groups.reduce((a, g) => (g.name.length > a.length ? g.name : a), "");
  const path = promotedSocketPath(dir, longest);
  const problem = unixSocketPathProblem(path);
  if (problem && dir.startsWith("/"))
    ctx.addIssue({
      code: "custom",
      path: ["imageAccess", "socketDir"],
      message: `group "${longest}"'s socket ${path} ${problem}; choose a shorter socketDir`,
    });
}

/** A group's direction at a site: its own, or the site's role. */
export function groupDirection(site: Pick<SiteConfig, "role">, group: GroupConfig): Direction {
  return group.direction ?? site.role;
}

export type Direction = z.output<typeof direction>;
export type SiteConfig = z.output<typeof siteConfig>;
export type GroupConfig = z.output<typeof groupConfig>;
export type VolumeConfig = z.output<typeof volumeConfig>;
export type LinkConfig = z.output<typeof linkConfig>;
