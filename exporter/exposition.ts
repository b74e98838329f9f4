/**
 * Renders the Prometheus text format (0.0.4) and OpenMetrics (1.0.0) from a ModelSnapshot, driven
 * by the metric catalogue and the extractor table. Written for the scrape path: 10,000 volumes
 * make ~75,000 series, which prom-client's generic Registry.metrics() formats in seconds (it
 * builds label objects and arrays per sample); here each sample is one string concatenation.
 * Families are emitted even when empty, in catalogue order, as prom-client does.
 */
import { Registry } from "prom-client";
import type { ModelSnapshot } from "../collector/snapshot.ts";
import { labelNames, type MetricDef, type MetricKey, metrics } from "../model/metrics.ts";
import { type Extractor, extractors, TIME_DEPENDENT } from "./extractors.ts";

export type ExpositionFormat = "prometheus" | "openmetrics";

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
  timeDependent: boolean;
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

function family(def: MetricDef, extract: Extractor, timeDependent: boolean): Family {
  const omFamily = def.type === "counter" ? def.name.replace(/_total$/, "") : def.name;
  const header = (name: string, format: ExpositionFormat) =>
    `# HELP ${name} ${escapeHelp(def.help, format)}\n# TYPE ${name} ${def.type}\n`;
  return {
    extract,
    header: { prometheus: header(def.name, "prometheus"), openmetrics: header(omFamily, "openmetrics") },
    sample: { prometheus: def.name, openmetrics: def.type === "counter" ? `${omFamily}_total` : def.name },
    labelPrefixes: labelNames(def).map((l, i) => `${i === 0 ? "" : ","}${l}="`),
    hasExtraLabels: Object.keys(def.extraLabels ?? {}).length > 0,
    timeDependent,
  };
}

/**
 * `{a="x",b="y"}` for a label array. Extractors share one array per entity object across its
 * families (exporter/extractors.ts), so the text is cached by array identity; arrays with extra
 * labels are built per sample and not cached. Only families with the entity's own label names
 * share arrays, so the cached text always has the right names.
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

export interface Exposition {
  render(snapshot: ModelSnapshot, now: number, format: ExpositionFormat): string;
}

export function createExposition(overrides: ExtractorOverrides = {}): Exposition {
  const families = (Object.keys(metrics) as MetricKey[]).map((key) =>
    family(metrics[key], overrides[key] ?? extractors[key], TIME_DEPENDENT.has(key)),
  );
  // Each format's text of the last snapshot rendered, family by family: several scrapers (an HA
  // pair of Prometheus, the NOC) between two updates cost one render; only time-dependent
  // families are rendered on every scrape.
  const cache = new Map<ExpositionFormat, { snapshot: ModelSnapshot; chunks: string[] }>();
  const renderFamily = (f: Family, snapshot: ModelSnapshot, now: number, format: ExpositionFormat): string => {
    let out = f.header[format];
    const name = f.sample[format];
    f.extract(snapshot, now, (values, value) => {
      out += `${name}${labelText(f, values)} ${formatValue(value)}\n`;
    });
    return out;
  };
  return {
    render(snapshot, now, format) {
      let cached = cache.get(format);
      if (cached?.snapshot !== snapshot) {
        cached = {
          snapshot,
          chunks: families.map((f) => (f.timeDependent ? "" : renderFamily(f, snapshot, now, format))),
        };
        cache.set(format, cached);
      }
      let out = "";
      for (let i = 0; i < families.length; i++) {
        const f = families[i]!;
        out += f.timeDependent ? renderFamily(f, snapshot, now, format) : cached.chunks[i];
      }
      return format === "openmetrics" ? `${out}# EOF\n` : out;
    },
  };
}
