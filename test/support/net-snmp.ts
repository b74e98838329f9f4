import snmp, { type V3User } from "net-snmp";

export { default as snmp, type Session as SnmpSession, type Varbind as SnmpVarbind } from "net-snmp";

/** The net-snmp session user for an authPriv SHA/AES account. */
export function shaAesUser(name: string, authKey: string, privKey: string): V3User {
  return {
    name,
    level: snmp.SecurityLevel.authPriv,
    authProtocol: snmp.AuthProtocols.sha,
    authKey,
    privProtocol: snmp.PrivProtocols.aes,
    privKey,
  };
}

/** net-snmp takes Counter64 values as 8-byte big-endian buffers. */
export function counter64(n: bigint): Buffer {
  const buffer = Buffer.alloc(8);
  buffer.writeBigUInt64BE(n);
  return buffer;
}
