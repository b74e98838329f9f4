/**
 * The history writer's own figures, exported through the catalogue: points buffered and the
 * buffer's bound, points written, failed writes, points dropped; and the InfluxDB store's upkeep:
 * late spans recomputed, and (client tiers) how the policies' durations compare with the
 * configured retention. Nothing is exported until a buffer has opened (a stack without history
 * has no such series, rather than zeros).
 */
import type { SeriesOverrides } from "./snapshot-samples.ts";

export class HistoryStats {
  private opened = false;
  private buffered = 0;
  private capacity = 0;
  private written = 0;
  private failures = 0;
  private dropped = 0;
  private recomputes = 0;
  /** Per tier policy, seconds it keeps points longer than configured; only the policies checked. */
  private readonly retentionSurplus = new Map<string, number>();

  bufferOpened(capacityPoints: number, bufferedPoints: number): void {
    this.opened = true;
    this.capacity = capacityPoints;
    this.buffered = bufferedPoints;
  }

  bufferHolds(points: number): void {
    this.buffered = points;
  }

  wrote(points: number): void {
    this.written += points;
  }

  writeFailed(): void {
    this.failures += 1;
  }

  droppedPoints(points: number): void {
    this.dropped += points;
  }

  tierSpanRecomputed(): void {
    this.recomputes += 1;
  }

  retentionCompared(policy: string, surplusSeconds: number): void {
    this.retentionSurplus.set(policy, surplusSeconds);
  }

  /** The buffer's fill, for the built-in evaluator; undefined until a buffer has opened. */
  buffer(): { bufferedPoints: number; capacityPoints: number } | undefined {
    return this.opened ? { bufferedPoints: this.buffered, capacityPoints: this.capacity } : undefined;
  }

  /** Extractors for the exporter and the recorder alike (a catalogue entry each). */
  overrides(): SeriesOverrides {
    const one =
      (value: () => number) => (_s: unknown, _now: number, emit: (l: readonly string[], v: number) => void) => {
        if (this.opened) emit([], value());
      };
    return {
      historyBufferedPoints: one(() => this.buffered),
      historyBufferCapacity: one(() => this.capacity),
      historyWrittenPoints: one(() => this.written),
      historyWriteFailures: one(() => this.failures),
      historyDroppedPoints: one(() => this.dropped),
      historyTierRecomputes: one(() => this.recomputes),
      historyRetentionSurplus: (_s, _now, emit) => {
        if (this.opened) for (const [policy, surplus] of this.retentionSurplus) emit([policy], surplus);
      },
    };
  }
}
