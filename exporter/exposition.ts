/**
 * Renders the Prometheus text format (0.0.4) and OpenMetrics (1.0.0) from a ModelSnapshot, driven
 * by the metric catalogue and the extractor table. Written for the scrape path: 10,000 volumes
 * make ~75,000 series. Each snapshot is rendered once per format, into bytes, on the first scrape
 * that asks for it; later scrapes of the same snapshot write those bytes (gzipped once too, when
 * asked), with only the time-dependent families (source data age) rendered per scrape.
 * Families are emitted even when empty, in catalogue order, as prom-client does.
 */
import { Registry } from "prom-client";
import type { ModelSnapshot } from "../collector/snapshot.ts";
import { labelNames, type MetricDef, type MetricKey, metrics } from "../model/metrics.ts";
import { type Extractor, extractors, TIME_DEPENDENT } from "./extractors.ts";
import { type GzipSegment, gzipMember, gzipSegment } from "./gzip-segments.ts";

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
  /** HELP and TYPE lines, per format. */
  header: Record<ExpositionFormat, string>;
  /** Sample name per format: OpenMetrics counters are `<family>_total`, the family itself is not. */
  sample: Record<ExpositionFormat, string>;
  /** `name="` prefixes of each label, in catalogue order. */
  labelPrefixes: string[];
  hasExtraLabels: boolean;
}

/** Consecutive families rendered together: cached per snapshot, or (time-dependent) per scrape. */
interface Segment {
  families: Family[];
  perScrape: boolean;
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

function family(def: MetricDef, extract: Extractor): Family {
  const omFamily = def.type === "counter" ? def.name.replace(/_total$/, "") : def.name;
  const header = (name: string, format: ExpositionFormat) =>
    `# HELP ${name} ${escapeHelp(def.help, format)}\n# TYPE ${name} ${def.type}\n`;
  return {
    extract,
    header: { prometheus: header(def.name, "prometheus"), openmetrics: header(omFamily, "openmetrics") },
    sample: { prometheus: def.name, openmetrics: def.type === "counter" ? `${omFamily}_total` : def.name },
    labelPrefixes: labelNames(def).map((l, i) => `${i === 0 ? "" : ","}${l}="`),
    hasExtraLabels: Object.keys(def.extraLabels ?? {}).length > 0,
  };
}

/**
 * `{a="x",b="y"}` for a label array. Extractors keep one array per entity across its families and
 * across snapshots (exporter/extractors.ts), so the text is cached by array identity and built
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
 * short-lived garbage only, instead of one multi-megabyte string and a 75,000-element array.
 */
const CHUNK = 64 * 1024;
function renderSegment(segment: Segment, snapshot: ModelSnapshot, now: number, format: ExpositionFormat): Buffer {
  const chunks: Buffer[] = [];
  let text = "";
  for (const f of segment.families) {
    text += f.header[format];
    const name = f.sample[format];
    f.extract(snapshot, now, (values, value) => {
      text += `${name}${labelText(f, values)} ${formatValue(value)}\n`;
      if (text.length >= CHUNK) {
        chunks.push(Buffer.from(text));
        text = "";
      }
    });
  }
  chunks.push(Buffer.from(text));
  return Buffer.concat(chunks);
}

function segments(families: Family[], perScrape: boolean[]): Segment[] {
  const out: Segment[] = [];
  families.forEach((f, i) => {
    const last = out[out.length - 1];
    if (last && last.perScrape === perScrape[i]) last.families.push(f);
    else out.push({ families: [f], perScrape: perScrape[i]! });
  });
  return out;
}

const EOF = Buffer.from("# EOF\n");

/** One format's rendering of one snapshot: cached segments' bytes (null where rendered per scrape). */
interface Rendered {
  snapshot: ModelSnapshot;
  text: (Buffer | null)[];
  gzip: (GzipSegment | null)[] | null;
}

export interface Exposition {
  /** The body of a scrape of `snapshot` at `now` (Unix s), in `format`, encoded as `encoding`. */
  render(snapshot: ModelSnapshot, now: number, format: ExpositionFormat, encoding?: ContentEncoding): Buffer;
  /**
   * Renders a new snapshot ahead of the scrapes, in the formats and encodings scrapers asked for
   * last time; called on every collector update, it takes rendering off the scrape path.
   */
  prepare(snapshot: ModelSnapshot, now: number): void;
}

export function createExposition(overrides: ExtractorOverrides = {}): Exposition {
  const keys = Object.keys(metrics) as MetricKey[];
  const plan = segments(
    keys.map((key) => family(metrics[key], overrides[key] ?? extractors[key])),
    keys.map((key) => TIME_DEPENDENT.has(key)),
  );
  // The last snapshot rendered, per format: several scrapers (an HA pair of Prometheus, the NOC)
  // between two updates cost one render.
  const cache = new Map<ExpositionFormat, Rendered>();
  const rendered = (snapshot: ModelSnapshot, now: number, format: ExpositionFormat): Rendered => {
    let r = cache.get(format);
    if (r?.snapshot !== snapshot) {
      const text = plan.map((s) => (s.perScrape ? null : renderSegment(s, snapshot, now, format)));
      if (format === "openmetrics") text.push(EOF);
      r = { snapshot, text, gzip: null };
      cache.set(format, r);
    }
    return r;
  };
  const gzipped = (r: Rendered) => {
    r.gzip ??= r.text.map((b) => (b ? gzipSegment(b) : null));
    return r.gzip;
  };
  return {
    render(snapshot, now, format, encoding = "identity") {
      const r = rendered(snapshot, now, format);
      const fresh = (i: number) => renderSegment(plan[i]!, snapshot, now, format);
      if (encoding === "identity") return Buffer.concat(r.text.map((b, i) => b ?? fresh(i)));
      return gzipMember(gzipped(r).map((g, i) => g ?? gzipSegment(fresh(i))));
    },
    prepare(snapshot, now) {
      for (const [format, previous] of cache) {
        const r = rendered(snapshot, now, format);
        if (previous.gzip) gzipped(r);
      }
    },
  };
}
