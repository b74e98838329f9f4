/**
 * SNMP source: polls IF-MIB octet counters of configured WAN interfaces (v2c or v3 authPriv) and
 * reports them as InterfaceSamples of the configured links. Counters are kept monotonic by
 * MonotonicCounter; every failure (timeout, wrong credentials, missing interface) becomes
 * sink.failure with the reason, and polling continues at the next interval.
 */
import { performance } from "node:perf_hooks";
import snmp, { type Session, type Varbind } from "net-snmp";
import { resolveSecret } from "../../lib/config-file.ts";
import type { InterfaceSample } from "../model.ts";
import type { SourceAdapter, SourceSink } from "../source.ts";
import { startPollLoop } from "./poll-loop.ts";
import type { SnmpSourceConfig } from "./snmp-config.ts";
import { MonotonicCounter } from "./snmp-counter.ts";

const OID = {
  sysUpTime: "1.3.6.1.2.1.1.3.0",
  ifName: "1.3.6.1.2.1.31.1.1.1.1",
  ifHCInOctets: "1.3.6.1.2.1.31.1.1.1.6",
  ifHCOutOctets: "1.3.6.1.2.1.31.1.1.1.10",
  ifHighSpeed: "1.3.6.1.2.1.31.1.1.1.15",
} as const;
const COLUMNS = ["ifName", "ifHCInOctets", "ifHCOutOctets", "ifHighSpeed"] as const;
/** Interfaces per GET, keeping each PDU well under a typical 1,500-byte datagram. */
const PER_REQUEST = 8;

export interface SnmpSourceDeps {
  env?: NodeJS.ProcessEnv;
}

interface Watched {
  link: string;
  wantedName?: string;
  ifIndex?: number;
  receive: MonotonicCounter;
  transmit: MonotonicCounter;
}

export function createSnmpSource(config: SnmpSourceConfig, deps: SnmpSourceDeps = {}): SourceAdapter {
  const s = config.settings;
  const target = `${s.host}:${s.port}`;
  const openSession = sessionFactory(config, deps.env);
  const watched: Watched[] = s.interfaces.map((i) => ({
    link: i.link,
    wantedName: i.ifName,
    ifIndex: i.ifIndex,
    receive: new MonotonicCounter(),
    transmit: new MonotonicCounter(),
  }));
  let session: Session | undefined;
  let loop: { stop(): Promise<void> } | undefined;

  const get = (oids: string[]) =>
    new Promise<Varbind[]>((resolve, reject) => session!.get(oids, (err, vbs) => (err ? reject(err) : resolve(vbs))));

  /** Maps configured ifNames to ifIndexes by walking the ifName column. */
  async function resolveNames(): Promise<void> {
    const byName = new Map<string, number>();
    await new Promise<void>((resolve, reject) =>
      session!.subtree(
        OID.ifName,
        20,
        (vbs) => {
          for (const vb of vbs) byName.set(String(vb.value), Number(vb.oid.split(".").at(-1)));
          return undefined;
        },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    for (const w of watched) {
      if (w.wantedName === undefined) continue;
      w.ifIndex = byName.get(w.wantedName);
      if (w.ifIndex === undefined) {
        throw new Error(
          `interface ${w.wantedName} (link ${w.link}) not found; agent has ${[...byName.keys()].join(", ")}`,
        );
      }
    }
  }

  async function read(batch: Watched[]): Promise<InterfaceSample[]> {
    const oids = [OID.sysUpTime, ...batch.flatMap((w) => COLUMNS.map((c) => `${OID[c]}.${w.ifIndex}`))];
    const vbs = await get(oids);
    const bad = vbs.find((vb) => snmp.isVarbindError(vb));
    if (bad) throw new Error(`${bad.oid}: ${snmp.varbindError(bad)}`);
    const uptime = Number(vbs[0]!.value);
    return batch.map((w, i) => {
      const [name, inOctets, outOctets, speed] = vbs.slice(1 + i * 4, 5 + i * 4).map((vb) => vb.value);
      if (w.wantedName !== undefined && String(name) !== w.wantedName) {
        throw new StaleIndex(`ifIndex ${w.ifIndex} is now ${String(name)}, not ${w.wantedName}`);
      }
      return {
        tenant: s.tenant,
        site: s.site,
        link: w.link,
        name: String(name),
        receiveBytesTotal: Number(w.receive.update(counter64(inOctets), uptime).total),
        transmitBytesTotal: Number(w.transmit.update(counter64(outOctets), uptime).total),
        speedBytesPerSecond: (Number(speed) * 1e6) / 8, // ifHighSpeed is in Mbit/s
      };
    });
  }

  async function readAll(): Promise<InterfaceSample[]> {
    if (watched.some((w) => w.ifIndex === undefined)) await resolveNames();
    const samples: InterfaceSample[] = [];
    for (let i = 0; i < watched.length; i += PER_REQUEST)
      samples.push(...(await read(watched.slice(i, i + PER_REQUEST))));
    return samples;
  }

  async function poll(sink: SourceSink): Promise<void> {
    const started = performance.now();
    try {
      session ??= openSession((err) => {
        // A socket error poisons the session: drop it, the next poll opens a new one.
        session = undefined;
        sink.failure(new Error(`snmp ${target}: ${err.message}`));
      });
      let interfaces: InterfaceSample[];
      try {
        interfaces = await readAll();
      } catch (err) {
        if (!(err instanceof StaleIndex)) throw err;
        for (const w of watched) if (w.wantedName !== undefined) w.ifIndex = undefined; // interfaces renumbered
        interfaces = await readAll();
      }
      sink.snapshot(
        { timestamp: Date.now() / 1000, groups: [], links: [], interfaces },
        { durationSeconds: (performance.now() - started) / 1000, samples: interfaces.length },
      );
    } catch (err) {
      sink.failure(new Error(`snmp ${target}: ${describe(err as Error, s.timeout * (s.retries + 1))}`));
    }
  }

  return {
    name: config.name,
    kind: "snmp",
    staleAfterSeconds: s.interval + s.timeout * (s.retries + 1),
    start(sink) {
      loop = startPollLoop(s.interval, () => poll(sink));
    },
    async stop() {
      await loop?.stop();
      session?.close();
      session = undefined;
    },
  };
}

class StaleIndex extends Error {}

type OpenSession = (onError: (err: Error) => void) => Session;

// Secrets are resolved once, at creation, so a missing one fails the config load, not a poll.
function sessionFactory(config: SnmpSourceConfig, env?: NodeJS.ProcessEnv): OpenSession {
  const s = config.settings;
  const options = { port: s.port, timeout: s.timeout * 1000, retries: s.retries };
  const withErrorHandler =
    (open: () => Session): OpenSession =>
    (onError) => {
      const session = open();
      session.on("error", onError);
      return session;
    };
  const auth = s.auth;
  if (auth.version === "2c") {
    const community = resolveSecret(auth.community, env);
    return withErrorHandler(() => snmp.createSession(s.host, community, { ...options, version: snmp.Version2c }));
  }
  const user = {
    name: auth.user,
    level: snmp.SecurityLevel.authPriv,
    authProtocol: snmp.AuthProtocols[auth.authProtocol],
    authKey: resolveSecret(auth.authKey, env),
    privProtocol: snmp.PrivProtocols[auth.privProtocol],
    privKey: resolveSecret(auth.privKey, env),
  };
  return withErrorHandler(() => snmp.createV3Session(s.host, user, { ...options, version: snmp.Version3 }));
}

/** Counter64 arrives as a big-endian Buffer of up to 8 bytes (net-snmp cannot hold it in a number). */
function counter64(value: Varbind["value"] | undefined): bigint {
  if (typeof value === "number") return BigInt(value);
  if (!Buffer.isBuffer(value)) throw new Error(`expected a Counter64, got ${String(value)}`);
  return value.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

function describe(err: Error, waitedSeconds: number): string {
  if (err.name === "RequestTimedOutError") {
    return `no response within ${waitedSeconds}s (agent down, wrong community, or not allowed from here)`;
  }
  return err.message;
}
