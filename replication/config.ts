/**
 * Schema of an engine site's YAML file (`rpowatch engine --config site.yaml`), documented in
 * docs/engine.md. One schema serves both roles; fields that only one role needs are checked
 * against the role so that an error names the field that is missing or out of place.
 */
import { z } from "zod";
import { byteSize, duration, hostPort, secretRef } from "../lib/config-file.ts";
import { MAX_CHANGE_BYTES } from "./records.ts";

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const name = (what: string) =>
  z.string().regex(NAME, `${what} must be 1-63 characters of a-z, 0-9, '_' or '-', starting with a letter or digit`);

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM (24-hour)");

const compression = z.enum(["off", "lz4", "zstd"]);

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
    role: z.enum(["production", "recovery"]),
    dataDir: z.string().min(1),
    control: z.object({ listen: hostPort }).strict(),
    nbd: z.object({ listen: hostPort }).strict().optional(),
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
    if (s.role === "production") {
      if (!s.nbd) ctx.addIssue({ code: "custom", path: ["nbd"], message: "a production site needs nbd.listen" });
      if (!s.link.peer)
        ctx.addIssue({ code: "custom", path: ["link", "peer"], message: "a production site needs link.peer" });
    } else {
      if (!s.link.listen)
        ctx.addIssue({ code: "custom", path: ["link", "listen"], message: "a recovery site needs link.listen" });
      if (s.nbd)
        ctx.addIssue({
          code: "custom",
          path: ["nbd"],
          message: "a recovery site serves no NBD volumes for writing; remove nbd",
        });
    }
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

export type SiteConfig = z.output<typeof siteConfig>;
export type GroupConfig = z.output<typeof groupConfig>;
export type VolumeConfig = z.output<typeof volumeConfig>;
export type LinkConfig = z.output<typeof linkConfig>;
