import { describe, expect, it } from "vitest";
import { postgresSourceConfig } from "../../collector/sources/postgres-config.ts";
import { pushSourceConfig } from "../../collector/sources/push-config.ts";
import { snmpSourceConfig } from "../../collector/sources/snmp-config.ts";

const paths = (result: { error?: { issues: Array<{ path: PropertyKey[] }> } }) =>
  result.error?.issues.map((i) => i.path.join("."));

describe("source config schemas", () => {
  it("refuse inline secrets", () => {
    expect(paths(pushSourceConfig.safeParse({ kind: "push", name: "p", settings: { token: "abc" } }))).toEqual([
      "settings.token",
    ]);
    const snmp = {
      kind: "snmp",
      name: "s",
      settings: { host: "h", site: "x", interfaces: [{ link: "l", ifIndex: 1 }] },
    };
    const inline = { ...snmp, settings: { ...snmp.settings, auth: { version: "2c", community: "public" } } };
    expect(paths(snmpSourceConfig.safeParse(inline))).toEqual(["settings.auth.community"]);
    const url = {
      kind: "postgres",
      name: "p",
      settings: { site: "x", primary: { url: "postgresql://u:pw@db/postgres" } },
    };
    expect(paths(postgresSourceConfig.safeParse(url))).toEqual(["settings.primary.url"]);
  });

  it("want exactly one of ifName and ifIndex per SNMP interface, and fill defaults", () => {
    const config = (iface: object) => ({
      kind: "snmp",
      name: "s",
      settings: {
        host: "h",
        site: "x",
        interval: "1m",
        auth: { version: "2c", community: { env: "C" } },
        interfaces: [iface],
      },
    });
    expect(paths(snmpSourceConfig.safeParse(config({ link: "l", ifName: "eth0", ifIndex: 2 })))).toEqual([
      "settings.interfaces.0",
    ]);
    expect(paths(snmpSourceConfig.safeParse(config({ link: "l" })))).toEqual(["settings.interfaces.0"]);
    expect(snmpSourceConfig.parse(config({ link: "l", ifName: "eth0" })).settings).toMatchObject({
      port: 161,
      interval: 60,
      timeout: 5,
      retries: 1,
      tenant: "default",
    });
  });
});
