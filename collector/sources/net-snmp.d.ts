/** The part of net-snmp (which ships no types) that the SNMP source uses. */
declare module "net-snmp" {
  export interface Varbind {
    oid: string;
    type: number;
    /** Counter64 values arrive as big-endian Buffers, OctetStrings as Buffers, other integers as numbers. */
    value: number | Buffer | string | null;
  }
  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    version?: number;
  }
  export interface V3User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }
  export interface Session {
    get(oids: string[], callback: (error: Error | null, varbinds: Varbind[]) => void): void;
    subtree(
      oid: string,
      maxRepetitions: number,
      feed: (varbinds: Varbind[]) => boolean | undefined,
      done: (error: Error | null) => void,
    ): void;
    close(): void;
    on(event: "error", listener: (error: Error) => void): void;
  }
  export const Version2c: number;
  export const Version3: number;
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
