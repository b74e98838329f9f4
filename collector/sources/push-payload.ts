/**
 * Turns one push payload (the body of a POST, or one WebSocket text message) into a reply: parse,
 * validate, hand to the source. Shared by the HTTP and WebSocket routes so both refuse the same
 * input with the same field paths.
 */
import { pushBatch } from "./push-batch.ts";
import type { IngestResult, PushSourceAdapter } from "./push-source.ts";
import type { PushIssue } from "./push-state.ts";

/** Request bodies and WebSocket messages above this size are refused (413 / close 1009). */
export const PUSH_MAX_BYTES = 1024 * 1024;
/** A batch is at most 5 levels deep (batch → groups → group → volumes → volume); more is an attack or a bug. */
const MAX_DEPTH = 8;
const ISSUE_LIMIT = 20;

export type PushReply =
  | { status: 200; body: { ok: true; accepted: number; stale: number; duplicates: number } }
  | { status: 400 | 403 | 503; body: { ok: false; error: string; issues: PushIssue[] } };

const refuse = (error: string, issues: PushIssue[] = []): PushReply => ({
  status: 400,
  body: { ok: false, error, issues },
});

/** Judges one push body for `source`; a refusal it is to blame for (not a 503) counts as its error. */
export function handlePushPayload(source: PushSourceAdapter, text: string): PushReply {
  const reply = judgePayload(source, text);
  if (reply.status === 400 || reply.status === 403) source.refuse(reply.body.error);
  return reply;
}

function judgePayload(source: PushSourceAdapter, text: string): PushReply {
  const depth = nestingDepth(text);
  if (depth > MAX_DEPTH) return refuse(`JSON nested ${depth} levels deep; at most ${MAX_DEPTH} allowed`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return refuse(`invalid JSON: ${(err as Error).message}`);
  }
  const parsed = pushBatch.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join(".") || "(batch)",
      message: i.message,
    }));
    return refuse("batch does not match the schema", issues.slice(0, ISSUE_LIMIT));
  }
  return toReply(source.ingest(parsed.data));
}

function toReply(result: IngestResult): PushReply {
  if (result.status === 200) {
    const { accepted, stale, duplicates } = result;
    return { status: 200, body: { ok: true, accepted, stale, duplicates } };
  }
  return { status: result.status, body: { ok: false, error: result.error, issues: result.issues } };
}

/** Maximum bracket nesting outside strings, found in one pass before JSON.parse builds anything. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
