/**
 * Per-series memory the collector needs between updates of one source: folded counters and the
 * points of the rate window. An entity (a volume, a link…) is looked up once per update and holds
 * one slot per counter or gauge. Entities not seen in an update are forgotten at the next sweep,
 * so a volume that disappears leaves neither exported series nor memory behind.
 */
import { type CounterState, counterValue, foldCounter } from "./derive/counter.ts";
import { type Point, windowSlope } from "./derive/rate.ts";

/** Points per window: enough for a stable slope, few enough for 10,000 volumes. */
const POINTS_PER_WINDOW = 16;
const MINUTE = 60;
/** How far back PromQL looks for a series' sample at an instant (its default lookback delta). */
const LOOKBACK_SECONDS = 300;

interface Slot {
  counter?: CounterState;
  points: Point[];
  minutes?: MinuteRing;
}

/**
 * The newest value of each minute over a span, in two typed arrays (a day of minutes takes 23 KB
 * where as many points would take ~100 KB): a minute's slot is reused a span later.
 */
class MinuteRing {
  private readonly minuteOf: Float64Array;
  private readonly values: Float64Array;

  constructor(spanSeconds: number) {
    const slots = Math.ceil(spanSeconds / MINUTE) + 1;
    this.minuteOf = new Float64Array(slots).fill(Number.NaN);
    this.values = new Float64Array(slots);
  }

  record(t: number, value: number): void {
    const minute = Math.floor(t / MINUTE);
    const i = this.index(minute);
    this.minuteOf[i] = minute;
    this.values[i] = value;
  }

  /** The value of the newest minute held at or before `t`, no older than `lookbackSeconds`. */
  latestAtOrBefore(t: number, lookbackSeconds: number): number | undefined {
    const newest = Math.floor(t / MINUTE);
    for (let minute = newest; minute * MINUTE > t - lookbackSeconds; minute--) {
      const i = this.index(minute);
      if (this.minuteOf[i] === minute) return this.values[i];
    }
    return undefined;
  }

  /** The highest value of the minutes held from `t` on. */
  maxSince(t: number): number {
    const first = Math.ceil(t / MINUTE);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < this.values.length; i++)
      if (this.minuteOf[i]! >= first && this.values[i]! > max) max = this.values[i]!;
    return max;
  }

  private index(minute: number): number {
    const n = this.values.length;
    return ((minute % n) + n) % n;
  }
}

export class EntityMemory {
  private readonly slots: Slot[] = [];
  /** Entities placed under this one (a group's volumes), looked up by name without a joined key. */
  private members: Map<string, EntityMemory> | undefined;
  generation = 0;

  constructor(private readonly windowSeconds: number) {}

  /** The memory of a member entity, kept while it is looked up each time this entity is. */
  member(name: string): EntityMemory {
    this.members ??= new Map();
    return seenIn(this.members, name, this.windowSeconds, this.generation);
  }

  /** Forgets the members not looked up since this entity itself last was. */
  sweepMembers(): void {
    if (!this.members) return;
    for (const [name, member] of this.members) if (member.generation !== this.generation) this.members.delete(name);
  }

  /** Folds a raw counter and returns the monotonic total and its rate over the window. */
  counter(slot: number, t: number, raw: number): { total: number; rate: number } {
    const s = this.slot(slot);
    s.counter = foldCounter(s.counter, raw);
    const total = counterValue(s.counter);
    this.record(s.points, t, total, this.windowSeconds);
    return { total, rate: Math.max(0, windowSlope(s.points)) };
  }

  /** Folds a raw counter whose rate nothing needs: no window points are kept for it. */
  total(slot: number, raw: number): number {
    const s = this.slot(slot);
    s.counter = foldCounter(s.counter, raw);
    return counterValue(s.counter);
  }

  /** `total` of a counter the source may not report: absent stays absent. */
  totalOf(slot: number, raw: number | undefined): number | undefined {
    return raw === undefined ? undefined : this.total(slot, raw);
  }

  /** Records a gauge and returns d(value)/dt over the window. */
  gauge(slot: number, t: number, value: number): number {
    const s = this.slot(slot);
    this.record(s.points, t, value, this.windowSeconds);
    return windowSlope(s.points);
  }

  /**
   * Records a gauge minute by minute over the last cycle (a day) and returns, as PromQL would on
   * one sample a minute, its highest value over the cycle and its value one cycle ago (`offset`:
   * the newest at or before then, no older than the 5 min lookback; absent until there is one).
   */
  cycle(slot: number, t: number, value: number, cycleSeconds: number): { max: number; ago?: number } {
    const s = this.slot(slot);
    s.minutes ??= new MinuteRing(cycleSeconds + LOOKBACK_SECONDS);
    s.minutes.record(t, value);
    const ago = s.minutes.latestAtOrBefore(t - cycleSeconds, LOOKBACK_SECONDS);
    const max = s.minutes.maxSince(t - cycleSeconds);
    return ago === undefined ? { max } : { max, ago };
  }

  private slot(index: number): Slot {
    let s = this.slots[index];
    if (!s) {
      s = { points: [] };
      this.slots[index] = s;
    }
    return s;
  }

  private record(points: Point[], t: number, v: number, windowSeconds: number): void {
    const last = points[points.length - 1];
    if (last && t <= last.t) {
      // Same observation again (a poll that saw no new source snapshot): keep the newest value.
      last.v = v;
      return;
    }
    // Thin: the newest point replaces the previous one while they are closer than a window slice.
    const beforeLast = points[points.length - 2];
    if (last && beforeLast && t - beforeLast.t < windowSeconds / POINTS_PER_WINDOW) {
      last.t = t;
      last.v = v;
    } else {
      points.push({ t, v });
    }
    // Keep one point at or before the window start so the slope covers the whole window.
    while (points.length > 2 && points[1]!.t <= t - windowSeconds) points.shift();
  }
}

/** The memory under `key`, created on first sight, marked as seen in `generation`. */
function seenIn(map: Map<string, EntityMemory>, key: string, windowSeconds: number, generation: number): EntityMemory {
  let memory = map.get(key);
  if (!memory) {
    memory = new EntityMemory(windowSeconds);
    map.set(key, memory);
  }
  memory.generation = generation;
  return memory;
}

export class SeriesMemory {
  private readonly entities = new Map<string, EntityMemory>();
  private generation = 0;

  constructor(private readonly windowSeconds: number) {}

  /** The memory of one entity, created on first sight and kept while it keeps being seen. */
  entity(key: string): EntityMemory {
    return seenIn(this.entities, key, this.windowSeconds, this.generation);
  }

  /** Forgets every entity not seen since the previous sweep. */
  sweep(): void {
    for (const [key, entity] of this.entities) {
      if (entity.generation === this.generation) entity.sweepMembers();
      else this.entities.delete(key);
    }
    this.generation++;
  }

  get size(): number {
    return this.entities.size;
  }
}
