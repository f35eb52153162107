/**
 * The names an OTLP metric gets in Prometheus, as Prometheus 3's OTLP
 * receiver writes them with its default `UnderscoreEscapingWithSuffixes`
 * translation strategy (the same rules as the otlptranslator library).
 *
 * The dashboard checks derive the names they accept from the service's
 * instrument table through these functions, so renaming an instrument, or
 * changing its unit or kind, changes the expected names.
 *
 * @module
 */
import type { InstrumentDescriptor, InstrumentKind } from "../../telemetry/instruments.ts";

/** Full-word suffixes for the UCUM units OpenTelemetry instruments use. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: "days",
  h: "hours",
  min: "minutes",
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  GiBy: "gibibytes",
  TiBy: "tibibytes",
  KBy: "kilobytes",
  MBy: "megabytes",
  GBy: "gigabytes",
  TBy: "terabytes",
  m: "meters",
  V: "volts",
  A: "amperes",
  J: "joules",
  W: "watts",
  g: "grams",
  Cel: "celsius",
  Hz: "hertz",
  "%": "percent",
};

/** Singular words for the denominator of a rate unit such as `By/s`. */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: "second",
  m: "minute",
  h: "hour",
  d: "day",
  w: "week",
  mo: "month",
  y: "year",
};

/** The Prometheus metric type an instrument kind becomes over OTLP. */
export type PrometheusType = "counter" | "gauge" | "histogram";

/** Maps an instrument kind to the Prometheus type its OTLP data becomes. */
export function prometheusType(kind: InstrumentKind): PrometheusType {
  switch (kind) {
    case "histogram":
      return "histogram";
    // Monotonic sums are counters.
    case "counter":
    case "observable_counter":
      return "counter";
    // Non-monotonic sums and gauges are both gauges.
    case "updowncounter":
    case "observable_updowncounter":
    case "observable_gauge":
      return "gauge";
  }
}

/** Turns an attribute key into a label name: `http.route` -> `http_route`. */
export function prometheusLabelName(key: string): string {
  return sanitize(key);
}

/**
 * The metric family name of an instrument: dots to underscores, the unit as
 * a word suffix (braced annotations like `{request}` dropped), `_total` on
 * counters and `_ratio` on unit-`1` gauges.
 */
export function prometheusMetricName(
  instrument: Pick<InstrumentDescriptor, "name" | "unit" | "kind">,
): string {
  const type = prometheusType(instrument.kind);
  const tokens = sanitize(instrument.name).split("_").filter((token) => token !== "");
  // A counter's `total` always ends up last, however the name spelled it.
  const nameTokens = type === "counter" ? tokens.filter((token) => token !== "total") : tokens;
  const suffixes = unitSuffixes(instrument.unit, type);
  for (const suffix of suffixes) {
    const words = suffix.split("_");
    if (!containsRun(nameTokens, words)) nameTokens.push(...words);
  }
  if (type === "counter") nameTokens.push("total");
  return nameTokens.join("_");
}

/**
 * Every series name a query can select for an instrument: `_bucket`, `_sum`
 * and `_count` for a histogram, the family name otherwise.
 */
export function prometheusSeriesNames(
  instrument: Pick<InstrumentDescriptor, "name" | "unit" | "kind">,
): string[] {
  const name = prometheusMetricName(instrument);
  if (prometheusType(instrument.kind) === "histogram") {
    return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  }
  return [name];
}

function unitSuffixes(unit: string, type: PrometheusType): string[] {
  // Annotations in braces carry no unit: `{request}`, `By{heap}`.
  const bare = unit.replaceAll(/\{[^}]*\}/g, "").trim();
  if (bare === "") return [];
  if (bare === "1") return type === "gauge" ? ["ratio"] : [];
  const [main = "", per = ""] = bare.split("/", 2);
  const suffixes: string[] = [];
  if (main !== "" && main !== "1") suffixes.push(sanitize(UNIT_WORDS[main] ?? main));
  if (per !== "") suffixes.push(`per_${sanitize(PER_UNIT_WORDS[per] ?? per)}`);
  return suffixes.filter((suffix) => suffix !== "");
}

function sanitize(text: string): string {
  return text.split(/[^A-Za-z0-9]+/).filter((part) => part !== "").join("_");
}

function containsRun(tokens: readonly string[], run: readonly string[]): boolean {
  for (let start = 0; start + run.length <= tokens.length; start++) {
    if (run.every((word, offset) => tokens[start + offset] === word)) return true;
  }
  return false;
}
