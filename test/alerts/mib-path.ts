import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * MIB search path for smilint and snmptranslate: our MIB directory, the system MIB directories,
 * and the IETF base modules (SNMPv2-SMI/TC/CONF) bundled with the net-snmp npm package, because
 * Debian ships them only in libsmi2-common / snmp-mibs-downloader, which may be absent.
 */
export function mibSearchPath(mibDir: string): string {
  const bundled = fileURLToPath(new URL("../../node_modules/net-snmp/lib/mibs", import.meta.url));
  const system = ["/usr/share/snmp/mibs", "/usr/share/mibs/ietf", "/usr/share/mibs/iana", "/usr/share/mibs"];
  return [mibDir, ...system.filter((d) => existsSync(d)), bundled].join(":");
}
