/**
 * Direction belongs to a consistency group: a site's `role` is the default direction of its groups,
 * so site files written before groups had a direction load unchanged; a site holding groups of
 * both directions needs what each direction needs, and an error names the field and the group.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedSiteFiles } from "../cli/stack/site-files.ts";
import { stackConfig } from "../config/schema.ts";
import { ConfigError, loadConfigFile, parseConfig } from "../lib/config-file.ts";
import { packagePath } from "../lib/package-root.ts";
import { makeTempDir, removeTempDir } from "../test/support/tempdir.ts";
import { groupDirection, type SiteConfig, siteConfig } from "./config.ts";

const directions = (site: SiteConfig) => site.groups.map((g) => [g.name, groupDirection(site, g)]);

/** The issues of a site file that must not load, as `path: message`. */
function refusal(yaml: string[]): string[] {
  try {
    parseConfig(siteConfig, yaml.join("\n"), "site.yaml");
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error("the site file loaded");
}

const head = (role: string) => [
  `site: paris`,
  `role: ${role}`,
  "dataDir: /srv/rpowatch",
  'control: { listen: "127.0.0.1:0" }',
];

describe("site files written before groups had a direction", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir("site-config");
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it("load unchanged from docs/examples, every group taking the site's role", () => {
    const production = loadConfigFile(siteConfig, packagePath("docs/examples/production-site.yaml"));
    const recovery = loadConfigFile(siteConfig, packagePath("docs/examples/recovery-site.yaml"));
    expect(directions(production)).toEqual([["erp", "production"]]);
    expect(directions(recovery)).toEqual([["erp", "recovery"]]);
  });

  it("load unchanged as the embedded stack writes them", async () => {
    const files = await embeddedSiteFiles(stackConfig.parse({ dataDir: dir }));
    const recovery = loadConfigFile(siteConfig, (await files.writeRecovery()).configFile);
    const production = loadConfigFile(siteConfig, (await files.writeProduction("127.0.0.1:9")).configFile);
    expect(new Set(directions(recovery).map(([, d]) => d))).toEqual(new Set(["recovery"]));
    expect(new Set(directions(production).map(([, d]) => d))).toEqual(new Set(["production"]));
  });
});

describe("a site with groups of both directions", () => {
  it("loads with an NBD listener and a link peer for its production groups and a link listener for its recovery groups", () => {
    const site = parseConfig(
      siteConfig,
      [
        ...head("production"),
        'nbd: { listen: "127.0.0.1:0" }',
        'link: { peer: "10.0.2.10:9900", listen: "127.0.0.1:0", psk: { env: PSK } }',
        "groups:",
        "  - { name: erp, volumes: [ { name: erp-db, size: 1MiB } ] }",
        "  - { name: crm, direction: recovery, volumes: [ { name: crm-db, size: 1MiB } ] }",
      ].join("\n"),
      "site.yaml",
    );
    expect(directions(site)).toEqual([
      ["erp", "production"],
      ["crm", "recovery"],
    ]);
  });

  it("refuses a recovery group on a site with no link listener, naming the group", () => {
    expect(
      refusal([
        ...head("production"),
        'nbd: { listen: "127.0.0.1:0" }',
        'link: { peer: "10.0.2.10:9900", psk: { env: PSK } }',
        "groups:",
        "  - { name: erp, volumes: [ { name: erp-db, size: 1MiB } ] }",
        "  - { name: crm, direction: recovery, volumes: [ { name: crm-db, size: 1MiB } ] }",
      ]),
    ).toEqual(['link.listen: group "crm" (groups.1.direction) is recovery here and needs link.listen']);
  });

  it("refuses a production group on a site with no link peer and no NBD listener, naming the group", () => {
    expect(
      refusal([
        ...head("recovery"),
        'link: { listen: "127.0.0.1:0", psk: { env: PSK } }',
        "groups:",
        "  - { name: erp, volumes: [ { name: erp-db, size: 1MiB } ] }",
        "  - { name: crm, direction: production, volumes: [ { name: crm-db, size: 1MiB } ] }",
      ]),
    ).toEqual([
      'nbd: group "crm" (groups.1.direction) is production here and needs nbd.listen',
      'link.peer: group "crm" (groups.1.direction) is production here and needs link.peer',
    ]);
  });

  it("refuses an NBD listener on a site none of whose groups is production", () => {
    expect(
      refusal([
        ...head("production"),
        'nbd: { listen: "127.0.0.1:0" }',
        'link: { listen: "127.0.0.1:0", psk: { env: PSK } }',
        "groups: [ { name: crm, direction: recovery, volumes: [ { name: crm-db, size: 1MiB } ] } ]",
      ]),
    ).toEqual(["nbd: a site with no production group serves no NBD volumes for writing; remove nbd"]);
  });

  it("refuses a direction that is neither production nor recovery", () => {
    const issues = refusal([
      ...head("recovery"),
      'link: { listen: "127.0.0.1:0", psk: { env: PSK } }',
      "groups: [ { name: crm, direction: sideways, volumes: [ { name: crm-db, size: 1MiB } ] } ]",
    ]);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^groups\.0\.direction: /);
  });
});

describe("image access on a Unix socket (imageAccess.socketDir)", () => {
  const recovery = (socketDir: string, group = "crm") => [
    ...head("recovery"),
    `imageAccess: { socketDir: "${socketDir}" }`,
    'link: { listen: "127.0.0.1:0", psk: { env: PSK } }',
    `groups: [ { name: ${group}, volumes: [ { name: crm-db, size: 1MiB } ] } ]`,
  ];

  it("loads an absolute folder", () => {
    const site = parseConfig(siteConfig, recovery("/run/rpowatch").join("\n"), "site.yaml");
    expect(site.imageAccess?.socketDir).toBe("/run/rpowatch");
  });

  it("refuses a relative folder", () => {
    expect(refusal(recovery("run/rpowatch"))).toEqual(["imageAccess.socketDir: must be an absolute path"]);
  });

  it("refuses a folder whose longest group socket would not fit a Unix socket address, naming the path", () => {
    const dir = `/srv/${"d".repeat(40)}`;
    const group = "g".repeat(60);
    expect(refusal(recovery(dir, group))).toEqual([
      `imageAccess.socketDir: group "${group}"'s socket ${dir}/${group}.promoted.sock is 120 bytes long; a Unix socket path can have at most 107; choose a shorter socketDir`,
    ]);
  });

  it("refuses a folder where the image socket fits but the promoted volumes' one would not", () => {
    const dir = `/srv/${"d".repeat(40)}`;
    const group = "g".repeat(55);
    expect(`${dir}/${group}.sock`.length).toBeLessThanOrEqual(107);
    expect(refusal(recovery(dir, group))).toEqual([
      `imageAccess.socketDir: group "${group}"'s socket ${dir}/${group}.promoted.sock is 115 bytes long; a Unix socket path can have at most 107; choose a shorter socketDir`,
    ]);
  });
});
