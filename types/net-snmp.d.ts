/** The part of net-snmp (which ships no types) that rpowatch uses: polling (collector) and traps (notifier). */
declare module "net-snmp" {
  export interface Varbind {
    oid: string;
    type: number;
    /** Counter64 values are big-endian Buffers, OctetStrings Buffers (or strings when sending), other integers numbers. */
    value: number | Buffer | string | null;
  }
  export interface SessionOptions {
    port?: number;
    trapPort?: number;
    retries?: number;
    timeout?: number;
    version?: number;
    engineID?: string;
  }
  export interface V3User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }
  type Done = (error: Error | null) => void;
  export interface Session {
    get(oids: string[], callback: (error: Error | null, varbinds: Varbind[]) => void): void;
    subtree(
      oid: string,
      maxRepetitions: number,
      feed: (varbinds: Varbind[]) => boolean | undefined,
      done: (error: Error | null) => void,
    ): void;
    trap(oid: string, varbinds: Varbind[], callback: Done): void;
    trap(oid: string, varbinds: Varbind[], options: object, callback: Done): void;
    inform(oid: string, varbinds: Varbind[], callback: Done): void;
    inform(oid: string, varbinds: Varbind[], options: object, callback: Done): void;
    close(): void;
    on(event: "error", listener: (error: Error) => void): void;
  }
  export const Version2c: number;
  export const Version3: number;
  export const ObjectType: Record<
    "OctetString" | "Integer" | "Unsigned32" | "Counter64" | "Gauge32" | "TimeTicks" | "OID",
    number
  >;
  export const SecurityLevel: { authPriv: number };
  export const AuthProtocols: Record<"md5" | "sha" | "sha224" | "sha256" | "sha384" | "sha512", number>;
  export const PrivProtocols: Record<"des" | "aes" | "aes256b" | "aes256r", number>;
  export function createSession(target: string, community: string, options: SessionOptions): Session;
  export function createV3Session(target: string, user: V3User, options: SessionOptions): Session;
  export function isVarbindError(varbind: Varbind): boolean;
  export function varbindError(varbind: Varbind): string;
  const snmp: {
    Version2c: typeof Version2c;
    Version3: typeof Version3;
    ObjectType: typeof ObjectType;
    SecurityLevel: typeof SecurityLevel;
    AuthProtocols: typeof AuthProtocols;
    PrivProtocols: typeof PrivProtocols;
    createSession: typeof createSession;
    createV3Session: typeof createV3Session;
    isVarbindError: typeof isVarbindError;
    varbindError: typeof varbindError;
  };
  export default snmp;
}
