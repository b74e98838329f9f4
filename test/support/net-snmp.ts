import { createRequire } from "node:module";

// net-snmp ships no type declarations; this is the slice of its API the service self-tests use.
export interface SnmpVarbind {
  oid: string;
  type: number;
  value: unknown;
}

export interface SnmpSession {
  get(oids: string[], callback: (err: Error | null, varbinds: SnmpVarbind[]) => void): void;
  trap(oid: string, varbinds: SnmpVarbind[], callback: (err: Error | null) => void): void;
  inform(oid: string, varbinds: SnmpVarbind[], callback: (err: Error | null) => void): void;
  close(): void;
}

export interface SnmpV3SessionUser {
  name: string;
  level: number;
  authProtocol: number;
  authKey: string;
  privProtocol: number;
  privKey: string;
}

export const snmp = createRequire(import.meta.url)("net-snmp") as {
  createSession(host: string, community: string, options: object): SnmpSession;
  createV3Session(host: string, user: SnmpV3SessionUser, options: object): SnmpSession;
  Version2c: number;
  Version3: number;
  ObjectType: Record<"OctetString" | "Integer" | "Counter64" | "Gauge32" | "TimeTicks" | "OID", number>;
  SecurityLevel: Record<"authPriv", number>;
  AuthProtocols: Record<"sha" | "md5", number>;
  PrivProtocols: Record<"aes" | "des", number>;
};

/** The net-snmp session user for an authPriv SHA/AES account. */
export function shaAesUser(name: string, authKey: string, privKey: string): SnmpV3SessionUser {
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
