/** One delivery to one destination: retried with exponential backoff, then counted once. */
import type { Logger } from "../../lib/log.ts";
import type { NotificationStats } from "./stats.ts";

export interface RetryPolicy {
  attempts: number;
  /** Wait before the second attempt in seconds; doubles after each failure. */
  backoffSeconds: number;
}

export interface DeliveryContext {
  stats: NotificationStats;
  retry: RetryPolicy;
  log: Logger;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `attempt` until it succeeds or the attempts run out; never rejects. Returns whether it was sent. */
export async function deliver(
  ctx: DeliveryContext,
  channel: string,
  destination: string,
  attempt: () => Promise<void>,
): Promise<boolean> {
  for (let n = 1; ; n++) {
    try {
      await attempt();
      ctx.stats.record(channel, destination, "sent");
      return true;
    } catch (err) {
      if (n >= ctx.retry.attempts) {
        ctx.stats.record(channel, destination, "failed");
        ctx.log.error({ channel, destination, attempts: n, err: (err as Error).message }, "notification failed");
        return false;
      }
      ctx.log.warn({ channel, destination, attempt: n, err: (err as Error).message }, "notification attempt failed");
      await sleep(ctx.retry.backoffSeconds * 1000 * 2 ** (n - 1));
    }
  }
}
