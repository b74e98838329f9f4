/**
 * Fans each notification out to every channel at once: a slow or failing channel never delays or
 * blocks the others. Deliveries run in the background; idle() resolves when all have finished.
 */
import type { Logger } from "../../lib/log.ts";
import type { Notification, NotifierChannel } from "./webhook.ts";

export class Notifier {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly channels: readonly NotifierChannel[],
    private readonly log: Logger,
  ) {}

  /** Starts delivery and returns at once. */
  dispatch(notification: Notification): void {
    for (const channel of this.channels) {
      const job = channel
        .send(notification)
        .catch((err: Error) => this.log.error({ channel: channel.name, err: err.message }, "channel crashed"))
        .finally(() => this.inFlight.delete(job));
      this.inFlight.add(job);
    }
  }

  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }
}
