/** The SNMP source against Debian's real snmpd, reading this machine's loopback interface. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snmpSourceConfig } from "../../collector/sources/snmp-config.ts";
import { createSnmpSource } from "../../collector/sources/snmp-source.ts";
import { type SnmpdInstance, startSnmpd } from "../services/snmpd.ts";
import { RecordingSink } from "./recording-sink.ts";

const v3User = {
  user: "rpowatch",
  authProtocol: "SHA",
  authKey: "auth-pass-1234",
  privProtocol: "AES",
  privKey: "priv-pass-5678",
} as const;
const env = { COMMUNITY: "s3cret-ro", WRONG: "not-it", AUTH: v3User.authKey, PRIV: v3User.privKey };
const loIndex = Number(readFileSync("/sys/class/net/lo/ifindex", "utf8"));
const loReceived = () => Number(readFileSync("/sys/class/net/lo/statistics/rx_bytes", "utf8"));

let agent: SnmpdInstance;
beforeAll(async () => {
  agent = await startSnmpd({ community: env.COMMUNITY, v3User });
});
afterAll(() => agent?.stop());

/** Runs a source until it has reported `reports` times, and returns what it reported. */
async function run(auth: object, extra: object = {}, reports = 1) {
  const config = snmpSourceConfig.parse({
    kind: "snmp",
    name: "wan-snmp",
    settings: {
      host: agent.host,
      port: agent.port,
      site: "paris",
      interval: 0.2,
      timeout: 1,
      retries: 0,
      auth,
      ...extra,
    },
  });
  const source = createSnmpSource(config, { env });
  const sink = new RecordingSink();
  source.start(sink);
  await sink.reports(reports);
  await source.stop();
  return sink;
}

describe("SNMP source against snmpd", () => {
  it("reads lo by ifName over v2c, with growing totals bounded by the kernel's counters", async () => {
    const sink = await run(
      { version: "2c", community: { env: "COMMUNITY" } },
      { interfaces: [{ link: "wan-a", ifName: "lo" }] },
      2,
    );
    expect(sink.failures).toEqual([]);
    const [first, second] = sink.snapshots.map((s) => s.interfaces[0]!);
    expect(first).toMatchObject({ tenant: "default", site: "paris", link: "wan-a", name: "lo" });
    expect(first!.receiveBytesTotal).toBeGreaterThan(0);
    expect(second!.receiveBytesTotal).toBeGreaterThanOrEqual(first!.receiveBytesTotal);
    expect(second!.receiveBytesTotal).toBeLessThanOrEqual(loReceived());
    expect(first!.speedBytesPerSecond).toBe(1.25e6); // snmpd reports lo's ifHighSpeed as 10 Mbit/s
  });

  it("reads lo by ifIndex over v3 authPriv (SHA/AES)", async () => {
    const sink = await run(
      { version: "3", user: v3User.user, authKey: { env: "AUTH" }, privKey: { env: "PRIV" } },
      { interfaces: [{ link: "wan-a", ifIndex: loIndex }] },
    );
    expect(sink.failures).toEqual([]);
    expect(sink.snapshots[0]!.interfaces[0]).toMatchObject({ name: "lo", link: "wan-a" });
    expect(sink.snapshots[0]!.interfaces[0]!.transmitBytesTotal).toBeGreaterThan(0);
  });

  it("reports a wrong community, a wrong v3 key and an unknown interface as failures", async () => {
    const lo = { interfaces: [{ link: "wan-a", ifName: "lo" }] };
    const community = await run({ version: "2c", community: { env: "WRONG" } }, lo);
    expect(community.failures[0]!.message).toMatch(/no response within 1s/);
    const key = await run({ version: "3", user: v3User.user, authKey: { env: "WRONG" }, privKey: { env: "PRIV" } }, lo);
    expect(key.snapshots).toEqual([]);
    expect(key.failures[0]!.message).toMatch(/^snmp 127\.0\.0\.1:\d+: Wrong Digest/);
    const missing = await run(
      { version: "2c", community: { env: "COMMUNITY" } },
      { interfaces: [{ link: "x", ifName: "eth99" }] },
    );
    expect(missing.failures[0]!.message).toMatch(/interface eth99 \(link x\) not found; agent has .*lo/);
  });
});
