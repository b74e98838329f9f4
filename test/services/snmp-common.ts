/** An SNMPv3 authPriv user as configured in snmptrapd/snmpd (`createUser`). */
export interface SnmpV3User {
  user: string;
  authProtocol: "SHA" | "MD5";
  authKey: string;
  privProtocol: "AES" | "DES";
  privKey: string;
}

/** The `createUser` line net-snmp daemons read; `engineId` (hex, with or without 0x) binds the user to a sender. */
export function createUserLine(u: SnmpV3User, engineId?: string): string {
  const engine = engineId ? `-e 0x${engineId.replace(/^0x/i, "")} ` : "";
  return `createUser ${engine}${u.user} ${u.authProtocol} "${u.authKey}" ${u.privProtocol} "${u.privKey}"`;
}

/**
 * Environment for net-snmp daemons: persistent state (engine boots, learned users) goes to the
 * service's temp dir instead of /var/lib/snmp, and no MIB files are loaded, so output stays numeric.
 */
export function snmpDaemonEnv(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, SNMP_PERSISTENT_DIR: dir, MIBS: "", MIBDIRS: dir };
}
