/**
 * Bearer-token authentication shared by the push routes: missing or malformed credentials are
 * 401, a well-formed token no source owns is 403. Those refusals name no source, so the registry
 * counts them (rpowatch_push_refusals_total); a source counts its own from here on.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { PushRegistry, PushSourceAdapter } from "./push-source.ts";

export type AuthOutcome = { source: PushSourceAdapter } | { status: 401 | 403; error: string };

export function authenticatePush(registry: PushRegistry, headers: IncomingHttpHeaders): AuthOutcome {
  const match = /^Bearer ([\x21-\x7e]{1,512})$/i.exec(headers.authorization ?? "");
  if (!match) {
    const error = "missing or malformed Authorization: Bearer <token> header";
    registry.refusals.refused("missing_token", error);
    return { status: 401, error };
  }
  const source = registry.authenticate(match[1]!);
  if (!source) {
    const error = "token not accepted: no push source owns it";
    registry.refusals.refused("unknown_token", error);
    return { status: 403, error };
  }
  registry.refusals.accepted();
  return { source };
}
