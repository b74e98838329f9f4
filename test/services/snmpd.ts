import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { withFreePort } from "../../lib/ports.ts";
import { requireBinary } from "../support/binaries.ts";
import { cleanupOnFailure, spawnService, waitFor } from "../support/process.ts";
import { makeTempDir, removeTempDir } from "../support/tempdir.ts";
import { createUserLine, type SnmpV3User, snmpDaemonEnv } from "./snmp-common.ts";

export interface SnmpdOptions {
  /** Read-only community for v1/v2c. */
  community: string;
  /** Read-only v3 authPriv user; the agent's own engine ID is discovered by clients. */
  v3User?: SnmpV3User;
}

export interface SnmpdInstance {
  host: "127.0.0.1";
  port: number;
  stop(): Promise<void>;
}

/** Starts a real snmpd on UDP 127.0.0.1 serving this machine's MIB-II/IF-MIB (lo, eth0…) read-only. */
export async function startSnmpd(opts: SnmpdOptions): Promise<SnmpdInstance> {
  const binary = requireBinary("/usr/sbin/snmpd", "snmpd");
  return withFreePort(async (port) => {
    const dir = await makeTempDir("snmpd");
    const configFile = join(dir, "snmpd.conf");
    const lines = [`rocommunity ${opts.community} 127.0.0.1`];
    if (opts.v3User) lines.push(createUserLine(opts.v3User), `rouser ${opts.v3User.user} priv`);
    await writeFile(configFile, `${lines.join("\n")}\n`);
    const proc = spawnService({
      name: "snmpd",
      command: binary,
      // -f foreground, -Lo log to stdout, -C only our config; -I -smux keeps it off the fixed SMUX port tcp/199.
      args: ["-f", "-Lo", "-C", "-c", configFile, "-I", "-smux", `udp:127.0.0.1:${port}`],
      env: snmpDaemonEnv(dir),
      cwd: dir,
    });
    const stop = async () => {
      await proc.stop();
      await removeTempDir(dir);
    };
    await cleanupOnFailure(stop, () =>
      waitFor(() => proc.output().includes("NET-SNMP version"), {
        timeoutMs: 15_000,
        what: "snmpd start-up banner",
        process: proc,
      }),
    );
    return { host: "127.0.0.1", port, stop };
  });
}
