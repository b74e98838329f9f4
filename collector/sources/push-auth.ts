/**
 * Bearer-token authentication shared by the push routes: missing or malformed credentials are
 * 401, a well-formed token no source owns is 403.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { PushRegistry, PushSourceAdapter } from "./push-source.ts";

export type AuthOutcome = { source: PushSourceAdapter } | { status: 401 | 403; error: string };

export function authenticatePush(registry: PushRegistry, headers: IncomingHttpHeaders): AuthOutcome {
  const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(headers.authorization ?? "");
  if (!match) return { status: 401, error: "missing or malformed Authorization: Bearer <token> header" };
  const source = registry.authenticate(match[1]!);
  return source ? { source } : { status: 403, error: "token not accepted" };
}
