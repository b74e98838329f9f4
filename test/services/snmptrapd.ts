import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withFreePort } from "../../lib/ports.ts";
import { requireBinary } from "../support/binaries.ts";
import { cleanupOnFailure, spawnService, waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { createUserLine, type SnmpV3User, snmpDaemonEnv } from "./snmp-common.ts";

export interface ParsedVarbind {
  /** Numeric dotted OID without a leading dot. */
  oid: string;
  /** net-snmp's type name: STRING, Hex-STRING, INTEGER, Counter32, Counter64, Gauge32, Timeticks, OID, IpAddress…; "" if untyped. */
  type: string;
  /** STRING unquoted, Timeticks as the raw hundredths, OID without a leading dot, Hex-STRING as "01 02 …". */
  value: string;
}

export interface ParsedTrap {
  /** TRAP (v1), TRAP2 or INFORM. */
  pduType: string;
  version?: "1" | "2c" | "3";
  community?: string;
  user?: string;
  varbinds: ParsedVarbind[];
  receivedAt: Date;
}

export interface SnmptrapdOptions {
  /** Community accepted for v1/v2c; default "public". */
  community?: string;
  /** v3 authPriv users; `engineId` is the sender's engine ID (traps are authenticated against it). */
  v3Users?: Array<SnmpV3User & { engineId: string }>;
}

export interface SnmptrapdInstance {
  port: number;
  traps(): ParsedTrap[];
  waitForTrap(predicate: (trap: ParsedTrap) => boolean, timeoutMs: number): Promise<ParsedTrap>;
  stop(): Promise<void>;
}

// Each trap is printed as one delimited record, so multi-line values (wrapped Hex-STRINGs) parse safely.
const BEGIN = "<<TRAP>>";
const END = "<<END>>";
const FIELD = "<<F>>";
const VARBIND = "<<VB>>";
const FORMAT = `${BEGIN}%P${FIELD}%V${VARBIND}%v${END}\n`;

/** Starts a real snmptrapd on UDP 127.0.0.1 that logs every accepted trap and inform in parseable form. */
export async function startSnmptrapd(opts: SnmptrapdOptions = {}): Promise<SnmptrapdInstance> {
  const binary = requireBinary("/usr/sbin/snmptrapd", "snmptrapd");
  return withFreePort(async (port) => {
    const dir = await makeTempDir("snmptrapd");
    const configFile = join(dir, "snmptrapd.conf");
    const users = opts.v3Users ?? [];
    await writeFile(
      configFile,
      [
        `authCommunity log,execute,net ${opts.community ?? "public"}`,
        ...users.map((u) => createUserLine(u, u.engineId)),
        ...users.map((u) => `authUser log,execute,net ${u.user} priv`),
        "",
      ].join("\n"),
    );
    const traps: ParsedTrap[] = [];
    let pending = "";
    const proc = spawnService({
      name: "snmptrapd",
      command: binary,
      // -f foreground, -Lo log to stdout, -n no DNS, -C only our config, -Oen numeric OIDs and enums.
      args: ["-f", "-Lo", "-n", "-C", "-c", configFile, "-Oen", "-F", FORMAT, `udp:127.0.0.1:${port}`],
      env: snmpDaemonEnv(dir),
      cwd: dir,
      onStdout(text) {
        pending += text;
        for (let end = pending.indexOf(END); end >= 0; end = pending.indexOf(END)) {
          const begin = pending.lastIndexOf(BEGIN, end);
          if (begin >= 0) traps.push(parseTrapRecord(pending.slice(begin + BEGIN.length, end)));
          pending = pending.slice(end + END.length);
        }
      },
    });
    const stop = async () => {
      await proc.stop();
      await removeTempDir(dir);
    };
    await cleanupOnFailure(stop, () =>
      waitFor(() => proc.output().includes("NET-SNMP version"), {
        timeoutMs: 15_000,
        what: "snmptrapd start-up banner",
        process: proc,
      }),
    );
    return {
      port,
      stop,
      traps: () => [...traps],
      waitForTrap: (predicate, timeoutMs) =>
        waitFor(() => traps.find(predicate), { timeoutMs, what: "a matching SNMP trap", process: proc }),
    };
  });
}

/** Parses one record: `%P` (e.g. "TRAP2, SNMP v2c, community public") then the varbinds. */
export function parseTrapRecord(record: string): ParsedTrap {
  const [security = "", varbindText = ""] = record.split(FIELD);
  const parts = security.split(",").map((s) => s.trim());
  const version = /^SNMP v(1|2c|3)$/.exec(parts[1] ?? "")?.[1] as ParsedTrap["version"];
  const field = (name: string) => parts.find((p) => p.startsWith(`${name} `))?.slice(name.length + 1);
  return {
    pduType: parts[0] ?? "",
    version,
    community: field("community"),
    user: field("user"),
    varbinds: varbindText.split(VARBIND).filter(Boolean).map(parseVarbind),
    receivedAt: new Date(),
  };
}

function parseVarbind(text: string): ParsedVarbind {
  const m = /^\.?([\d.]+) = (?:([A-Za-z0-9-]+): )?([\s\S]*)$/.exec(text.trim());
  if (!m) return { oid: "", type: "", value: text };
  const [, oid = "", type = "", raw = ""] = m;
  return { oid, type, value: normaliseValue(type, raw) };
}

function normaliseValue(type: string, raw: string): string {
  switch (type) {
    case "STRING":
      return raw.replace(/^"|"$/g, "").replace(/\\(["\\])/g, "$1");
    case "Hex-STRING":
      return raw.trim().replace(/\s+/g, " ");
    case "Timeticks":
      return /^\((\d+)\)/.exec(raw)?.[1] ?? raw;
    case "OID":
      return raw.replace(/^\./, "");
    default:
      return raw.trim();
  }
}
