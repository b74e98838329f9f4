/**
 * Why a request failed, in words: fetch reports every network failure as "fetch failed" and puts
 * the reason (ECONNREFUSED, a DNS error, a timeout) in its cause.
 */
export function failureReason(err: unknown): string {
  const e = err as Error;
  const cause = e.cause as Error | undefined;
  return String(cause?.message ?? e.message);
}
