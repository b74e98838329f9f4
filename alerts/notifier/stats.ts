/**
 * Notification counters by channel, destination and result. Each delivery is recorded exactly once,
 * after its retries, as sent or failed (never both: snmp_notifier's double count is the bug to avoid).
 * The exporter reads snapshot() into rpowatch_notifications_total.
 */
import { metrics } from "../../model/metrics.ts";

export type DeliveryResult = (typeof metrics.notifications.extraLabels.result)[number];

export interface NotificationCount {
  channel: string;
  destination: string;
  result: DeliveryResult;
  count: number;
}

export class NotificationStats {
  readonly metric = metrics.notifications;
  private readonly counts = new Map<string, NotificationCount>();

  /** A configured destination: its counters exist at 0 for every result before anything is sent. */
  declare(channel: string, destination: string): void {
    for (const result of this.metric.extraLabels.result) {
      const key = JSON.stringify([channel, destination, result]);
      if (!this.counts.has(key)) this.counts.set(key, { channel, destination, result, count: 0 });
    }
  }

  record(channel: string, destination: string, result: DeliveryResult): void {
    const key = JSON.stringify([channel, destination, result]);
    const entry = this.counts.get(key);
    if (entry) entry.count += 1;
    else this.counts.set(key, { channel, destination, result, count: 1 });
  }

  /** A copy of every counter, sorted for stable output. */
  snapshot(): NotificationCount[] {
    return [...this.counts.values()]
      .map((c) => ({ ...c }))
      .sort((a, b) =>
        `${a.channel}\0${a.destination}\0${a.result}`.localeCompare(`${b.channel}\0${b.destination}\0${b.result}`),
      );
  }

  /** Exporter samples for rpowatch_notifications_total: label values in the catalogue's label order. */
  samples(): Array<readonly [labels: readonly string[], value: number]> {
    return this.snapshot().map((c) => [[c.channel, c.destination, c.result], c.count] as const);
  }

  /** Count for one channel, destination and result; 0 when never recorded or declared. */
  get(channel: string, destination: string, result: DeliveryResult): number {
    return this.counts.get(JSON.stringify([channel, destination, result]))?.count ?? 0;
  }
}
