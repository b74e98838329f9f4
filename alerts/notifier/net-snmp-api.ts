/**
 * The few net-snmp calls the SNMP channel uses, typed here (the package ships no types) and loaded
 * through createRequire so this declaration stays local to alerts/.
 */
import { createRequire } from "node:module";

export interface Varbind {
  oid: string;
  type: number;
  value: string | number | Buffer;
}

export interface SnmpSession {
  trap(oid: string, varbinds: Varbind[], options: object, callback: (error: Error | null) => void): void;
  inform(oid: string, varbinds: Varbind[], options: object, callback: (error: Error | null) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  close(): void;
}

export interface V3User {
  name: string;
  level: number;
  authProtocol: number;
  authKey: string;
  privProtocol: number;
  privKey: string;
}

export interface SessionOptions {
  version: number;
  trapPort: number;
  retries: number;
  timeout: number;
  engineID?: string;
}

export interface NetSnmp {
  Version2c: number;
  Version3: number;
  ObjectType: { OctetString: number; Integer: number; Unsigned32: number };
  SecurityLevel: { authPriv: number };
  AuthProtocols: Record<string, number>;
  PrivProtocols: Record<string, number>;
  createSession(target: string, community: string, options: SessionOptions): SnmpSession;
  createV3Session(target: string, user: V3User, options: SessionOptions): SnmpSession;
}

export const netSnmp = createRequire(import.meta.url)("net-snmp") as NetSnmp;
