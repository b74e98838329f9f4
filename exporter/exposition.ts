/**
 * Renders the Prometheus text format (0.0.4) and OpenMetrics (1.0.0) from a ModelSnapshot, driven
 * by the metric catalogue and the extractor table. Written for the scrape path: 10,000 volumes
 * make ~75,000 series, ~150 ms of rendering and compression. Each snapshot is rendered once per
 * format, ahead of the scrapes (`prepare`, in slices that let scrapes through), into bytes per
 * family, gzipped once too when scrapers ask for gzip; a scrape writes those bytes, with only the
 * time-dependent families (RPO, source data age) and the overridden ones (counters kept outside
 * the snapshot) rendered per scrape, and the whole snapshot
 * rendered again when the set of stale sources differs at the scrape instant. While the next snapshot is being
 * prepared, scrapes get the last complete one (`servable`), so no scrape waits for a render.
 * Families are emitted even when empty, in catalogue order, as prom-client does.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { Registry } from "prom-client";
import { type Extractor, extractors, staleKey, TIME_DEPENDENT } from "../collector/series.ts";
import type { ModelSnapshot } from "../collector/snapshot.ts";
import { labelNames, type MetricDef, type MetricKey, metrics } from "../model/metrics.ts";
import { type GzipSegment, gzipMember, gzipSegment, gzipSegmentAsync } from "./gzip-segments.ts";

export type ExpositionFormat = "prometheus" | "openmetrics";
export type ContentEncoding = "identity" | "gzip";

/** Replaces the extractor of some metrics, e.g. with the notifier's own counters. */
export type ExtractorOverrides = Partial<Record<MetricKey, Extractor>>;

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

interface Family {
  extract: Extractor;
  /** Rendered on every scrape instead of once per snapshot. */
  perScrape: boolean;
  /** HELP and TYPE lines, per format. */
  header: Record<ExpositionFormat, string>;
  /** Sample name per format: OpenMetrics counters are `<family>_total`, the family itself is not. */
  sample: Record<ExpositionFormat, string>;
  /** `name="` prefixes of each label, in catalogue order. */
  labelPrefixes: string[];
  hasExtraLabels: boolean;
}

const escapeHelp = (text: string, format: ExpositionFormat): string => {
  const escaped = text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
  return format === "openmetrics" ? escaped.replaceAll('"', '\\"') : escaped;
};

const NEEDS_ESCAPE = /[\\"\n]/;
const escapeLabel = (value: string): string =>
  NEEDS_ESCAPE.test(value) ? value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n") : value;

function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

function family(def: MetricDef, extract: Extractor, perScrape: boolean): Family {
  const omFamily = def.type === "counter" ? def.name.replace(/_total$/, "") : def.name;
  const header = (name: string, format: ExpositionFormat) =>
    `# HELP ${name} ${escapeHelp(def.help, format)}\n# TYPE ${name} ${def.type}\n`;
  return {
    extract,
    perScrape,
    header: { prometheus: header(def.name, "prometheus"), openmetrics: header(omFamily, "openmetrics") },
    sample: { prometheus: def.name, openmetrics: def.type === "counter" ? `${omFamily}_total` : def.name },
    labelPrefixes: labelNames(def).map((l, i) => `${i === 0 ? "" : ","}${l}="`),
    hasExtraLabels: Object.keys(def.extraLabels ?? {}).length > 0,
  };
}

/**
 * `{a="x",b="y"}` for a label array. Extractors keep one array per entity across its families and
 * across snapshots (collector/series.ts), so the text is cached by array identity and built
 * once per entity; arrays with extra labels are built per sample and not cached. Only families
 * with the entity's own label names share arrays, so the cached text always has the right names.
 */
const labelTextCache = new WeakMap<readonly string[], string>();
function labelText(f: Family, values: readonly string[]): string {
  if (values.length === 0) return "";
  const cacheable = !f.hasExtraLabels;
  let text = cacheable ? labelTextCache.get(values) : undefined;
  if (text === undefined) {
    text = "{";
    for (let i = 0; i < values.length; i++) text += `${f.labelPrefixes[i]}${escapeLabel(values[i]!)}"`;
    text += "}";
    if (cacheable) labelTextCache.set(values, text);
  }
  return text;
}

/**
 * Lines are gathered into short strings turned into Buffers every CHUNK characters: young,
 * short-lived garbage only, instead of one multi-megabyte string and a 10,000-element array.
 */
const CHUNK = 64 * 1024;
function renderFamily(f: Family, snapshot: ModelSnapshot, now: number, format: ExpositionFormat): Buffer {
  const chunks: Buffer[] = [];
  let text = f.header[format];
  const name = f.sample[format];
  f.extract(snapshot, now, (values, value) => {
    text += `${name}${labelText(f, values)} ${formatValue(value)}\n`;
    if (text.length >= CHUNK) {
      chunks.push(Buffer.from(text));
      text = "";
    }
  });
  chunks.push(Buffer.from(text));
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

const EOF = Buffer.from("# EOF\n");

/** One format's rendering of one snapshot: per family its bytes, null where rendered per scrape. */
interface Rendered {
  snapshot: ModelSnapshot;
  /** Which sources were stale when it was rendered (collector/series.ts staleKey). */
  stale: string;
  text: (Buffer | null)[];
  gzip: (GzipSegment | null)[] | null;
}

export interface Exposition {
  /** The body of a scrape of `snapshot` at `now` (Unix s), in `format`, encoded as `encoding`. */
  render(snapshot: ModelSnapshot, now: number, format: ExpositionFormat, encoding?: ContentEncoding): Buffer;
  /**
   * The snapshot a scrape in `format` should render, given the collector's `current` one: the last
   * completely prepared snapshot while a newer one is still being prepared, `current` otherwise.
   */
  servable(format: ExpositionFormat, current: ModelSnapshot): ModelSnapshot;
  /**
   * Renders a new snapshot ahead of the scrapes, in the formats and encodings scrapers asked for
   * so far, yielding to the event loop between families. Called on every collector update; calls
   * that arrive while one runs are coalesced (only the newest snapshot is rendered next). Resolves
   * when the newest snapshot passed so far is servable.
   */
  prepare(snapshot: ModelSnapshot, now: number): Promise<void>;
}

export function createExposition(overrides: ExtractorOverrides = {}): Exposition {
  const keys = Object.keys(metrics) as MetricKey[];
  // An override's values are counted outside the snapshot (the notifier, the push registry…): they
  // change between snapshots, so they are rendered on every scrape, like the time-dependent ones.
  const plan = keys.map((key) =>
    family(metrics[key], overrides[key] ?? extractors[key], TIME_DEPENDENT.has(key) || overrides[key] !== undefined),
  );
  // The last snapshot rendered completely, per format: several scrapers (an HA pair of
  // Prometheus, the NOC) between two updates cost one render.
  const complete = new Map<ExpositionFormat, Rendered>();
  const keep = (format: ExpositionFormat, r: Rendered) => {
    const held = complete.get(format);
    if (!held || held.snapshot.seq <= r.snapshot.seq) complete.set(format, r);
  };

  const renderNow = (snapshot: ModelSnapshot, now: number, format: ExpositionFormat): Rendered => {
    const text = plan.map((f) => (f.perScrape ? null : renderFamily(f, snapshot, now, format)));
    if (format === "openmetrics") text.push(EOF);
    return { snapshot, stale: staleKey(snapshot, now), text, gzip: null };
  };
  const gzipped = (r: Rendered) => {
    r.gzip ??= r.text.map((b) => (b ? gzipSegment(b) : null));
    return r.gzip;
  };

  const renderSliced = async (snapshot: ModelSnapshot, now: number, format: ExpositionFormat, gzip: boolean) => {
    const r: Rendered = { snapshot, stale: staleKey(snapshot, now), text: [], gzip: gzip ? [] : null };
    for (const f of plan) {
      const text = f.perScrape ? null : renderFamily(f, snapshot, now, format);
      r.text.push(text);
      // Compression runs on libuv's thread pool; rendering yields so waiting scrapes are served.
      r.gzip?.push(text ? await gzipSegmentAsync(text) : null);
      await yieldToEventLoop();
    }
    if (format === "openmetrics") {
      r.text.push(EOF);
      r.gzip?.push(gzipSegment(EOF));
    }
    keep(format, r);
  };

  let pending: { snapshot: ModelSnapshot; now: number } | null = null;
  let preparing: Promise<void> | null = null;
  const drain = async () => {
    try {
      // Yield first, so `preparing` is set before the loop can finish and clear it.
      await yieldToEventLoop();
      for (let job = pending; job; job = pending) {
        pending = null;
        for (const [format, held] of [...complete]) {
          if (held.snapshot.seq < job.snapshot.seq)
            await renderSliced(job.snapshot, job.now, format, held.gzip !== null);
        }
      }
    } finally {
      preparing = null;
    }
  };

  return {
    render(snapshot, now, format, encoding = "identity") {
      let r = complete.get(format);
      if (r?.snapshot !== snapshot || r.stale !== staleKey(snapshot, now)) {
        r = renderNow(snapshot, now, format);
        keep(format, r);
      }
      const fresh = (i: number) => renderFamily(plan[i]!, snapshot, now, format);
      if (encoding === "identity") return Buffer.concat(r.text.map((b, i) => b ?? fresh(i)));
      return gzipMember(gzipped(r).map((g, i) => g ?? gzipSegment(fresh(i))));
    },
    servable(format, current) {
      const held = complete.get(format);
      return preparing && held ? held.snapshot : current;
    },
    prepare(snapshot, now) {
      pending = { snapshot, now };
      preparing ??= drain();
      return preparing;
    },
  };
}
