/**
 * Normalized telemetry as the test receivers see it: one flat record per span,
 * log record and metric, each carrying its resource attributes and scope, so
 * tests can filter and assert without walking OTLP's nesting.
 *
 * Both {@linkcode OtlpReceiver} (OTLP/HTTP protobuf and JSON) and the
 * collector helper (the file exporter's OTLP JSON) produce these types.
 *
 * @module
 */

/**
 * An OTLP `AnyValue`.
 *
 * `intValue` becomes a `number` when it is a safe integer and a `bigint`
 * otherwise; `doubleValue` a `number`; `bytesValue` a `Uint8Array`;
 * `arrayValue` an array; `kvlistValue` a plain object. An `AnyValue` with no
 * value set is `null`.
 */
export type AttrValue =
  | string
  | number
  | bigint
  | boolean
  | Uint8Array
  | null
  | AttrValue[]
  | { [key: string]: AttrValue };

/** Attributes (or resource attributes) keyed by attribute name. */
export type Attributes = Record<string, AttrValue>;

/** The three OTLP signals, named as in the OTLP/HTTP paths (`/v1/traces`, ...). */
export type Signal = "traces" | "logs" | "metrics";

/** An event recorded on a span. */
export interface ReceivedSpanEvent {
  /** Event name, e.g. `exception`. */
  readonly name: string;
  /** When the event happened, in nanoseconds since the Unix epoch. */
  readonly timeUnixNano: bigint;
  /** Event attributes. */
  readonly attributes: Attributes;
}

/** A link from a span to another span. */
export interface ReceivedSpanLink {
  /** Trace id of the linked span: 32 lowercase hex digits. */
  readonly traceId: string;
  /** Span id of the linked span: 16 lowercase hex digits. */
  readonly spanId: string;
  /** Link attributes. */
  readonly attributes: Attributes;
}

/** One span, flattened out of its resource and scope. */
export interface ReceivedSpan {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
  /** 16 lowercase hex digits, or `undefined` for a root span. */
  readonly parentSpanId: string | undefined;
  /** W3C `tracestate`, when the span has one. */
  readonly traceState: string | undefined;
  /** Span name, e.g. `GET /greet/:name`. */
  readonly name: string;
  /** OTLP `SpanKind`: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  /** Start time in nanoseconds since the Unix epoch. */
  readonly startTimeUnixNano: bigint;
  /** End time in nanoseconds since the Unix epoch. */
  readonly endTimeUnixNano: bigint;
  /** Span attributes. */
  readonly attributes: Attributes;
  /** Span events in recording order. */
  readonly events: ReceivedSpanEvent[];
  /** Span links. */
  readonly links: ReceivedSpanLink[];
  /** OTLP `Status`: code 0 unset, 1 ok, 2 error; `message` only when non-empty. */
  readonly status: { readonly code: number; readonly message?: string };
  /** Attributes of the resource that produced the span. */
  readonly resource: Attributes;
  /** Instrumentation scope name (the tracer name). */
  readonly scope: string;
  /** Instrumentation scope version, empty when unset. */
  readonly scopeVersion: string;
}

/** One log record, flattened out of its resource and scope. */
export interface ReceivedLog {
  /** When the event happened (0 when unknown), in nanoseconds since the Unix epoch. */
  readonly timeUnixNano: bigint;
  /** When the SDK observed it, in nanoseconds since the Unix epoch. */
  readonly observedTimeUnixNano: bigint;
  /** OTLP `SeverityNumber`: 9 info, 13 warn, 17 error, ... (0 unspecified). */
  readonly severityNumber: number;
  /** Severity as the source named it, e.g. `INFO`; empty when unset. */
  readonly severityText: string;
  /** The body, or `undefined` when the record has none. */
  readonly body: AttrValue | undefined;
  /** Log record attributes. */
  readonly attributes: Attributes;
  /** 32 lowercase hex digits, or `undefined` when the record is not in a trace. */
  readonly traceId: string | undefined;
  /** 16 lowercase hex digits, or `undefined` when the record is not in a span. */
  readonly spanId: string | undefined;
  /** `event.name` of an event record, `undefined` otherwise. */
  readonly eventName: string | undefined;
  /** Attributes of the resource that produced the record. */
  readonly resource: Attributes;
  /** Instrumentation scope name (the logger name). */
  readonly scope: string;
  /** Instrumentation scope version, empty when unset. */
  readonly scopeVersion: string;
}

/** The kinds of OTLP metric data. */
export type MetricType = "sum" | "gauge" | "histogram" | "exponentialHistogram" | "summary";

/** An exemplar attached to a data point. */
export interface ReceivedExemplar {
  /** 32 lowercase hex digits of the trace sampled, when there is one. */
  readonly traceId: string | undefined;
  /** 16 lowercase hex digits of the span sampled, when there is one. */
  readonly spanId: string | undefined;
  /** The measurement. */
  readonly value: number;
  /** When it was measured, in nanoseconds since the Unix epoch. */
  readonly timeUnixNano: bigint;
  /** Attributes of the measurement that the aggregation dropped. */
  readonly filteredAttributes: Attributes;
}

/** The buckets on one side of an exponential histogram. */
export interface ReceivedExponentialBuckets {
  /** Index of the first bucket. */
  readonly offset: number;
  /** Counts, from bucket `offset` up. */
  readonly bucketCounts: number[];
}

/**
 * One data point of a metric. Which fields are set depends on the metric type:
 * `value` for sums and gauges; `count`, `sum`, `min`, `max` and the bucket
 * fields for histograms; `count`, `sum` and `quantiles` for summaries.
 * 64-bit counts and integer values are converted to `number`.
 */
export interface ReceivedDataPoint {
  /** Data point attributes. */
  readonly attributes: Attributes;
  /** Start of the aggregation window, in nanoseconds since the Unix epoch. */
  readonly startTimeUnixNano: bigint;
  /** End of the aggregation window, in nanoseconds since the Unix epoch. */
  readonly timeUnixNano: bigint;
  /** Value of a sum or gauge point (`asDouble` or `asInt`). */
  readonly value?: number;
  /** Number of measurements (histograms, summaries). */
  readonly count?: number;
  /** Sum of the measurements, when known. */
  readonly sum?: number;
  /** Smallest measurement, when known (histograms). */
  readonly min?: number;
  /** Largest measurement, when known (histograms). */
  readonly max?: number;
  /** Explicit-bucket histogram counts: one more than `explicitBounds`. */
  readonly bucketCounts?: number[];
  /** Explicit-bucket histogram upper bounds. */
  readonly explicitBounds?: number[];
  /** Exponential histogram scale. */
  readonly scale?: number;
  /** Exponential histogram count of values in the zero bucket. */
  readonly zeroCount?: number;
  /** Exponential histogram positive buckets. */
  readonly positive?: ReceivedExponentialBuckets;
  /** Exponential histogram negative buckets. */
  readonly negative?: ReceivedExponentialBuckets;
  /** Summary quantiles. */
  readonly quantiles?: { readonly quantile: number; readonly value: number }[];
  /** OTLP `DataPointFlags` (bit 0: no recorded value). */
  readonly flags: number;
  /** Exemplars, empty when none were sampled. */
  readonly exemplars: ReceivedExemplar[];
}

/** One metric from one export, flattened out of its resource and scope. */
export interface ReceivedMetric {
  /** Metric name, e.g. `http.server.request.duration`. */
  readonly name: string;
  /** UCUM unit, e.g. `s`; empty when unset. */
  readonly unit: string;
  /** Description; empty when unset. */
  readonly description: string;
  /** Which kind of data the metric carries. */
  readonly type: MetricType;
  /** For sums: whether the sum only goes up. */
  readonly monotonic?: boolean;
  /** For sums and histograms: OTLP `AggregationTemporality`, 1 delta, 2 cumulative. */
  readonly temporality?: number;
  /** The data points of this export. */
  readonly dataPoints: ReceivedDataPoint[];
  /** Attributes of the resource that produced the metric. */
  readonly resource: Attributes;
  /** Instrumentation scope name (the meter name). */
  readonly scope: string;
  /** Instrumentation scope version, empty when unset. */
  readonly scopeVersion: string;
}

/** What a receiver has collected so far. */
export interface ReceivedTelemetry {
  /** Every span received, in arrival order. */
  readonly spans: readonly ReceivedSpan[];
  /** Every log record received, in arrival order. */
  readonly logs: readonly ReceivedLog[];
  /** Every metric received, one entry per metric per export, in arrival order. */
  readonly metrics: readonly ReceivedMetric[];
}

/** Options for the `waitFor` of the receivers (`OtlpReceiver`, `Collector`). */
export interface WaitForOptions {
  /** How long to wait before rejecting; each receiver documents its default. */
  readonly timeoutMs?: number;
  /** What is awaited, for the error message, e.g. `"3 spans"`. */
  readonly what?: string;
}

/**
 * Summarizes received telemetry for an error message: counts and the
 * distinct span names, log bodies and metric names (each list shortened).
 */
export function describeTelemetry(telemetry: ReceivedTelemetry): string {
  const spans = distinct(telemetry.spans.map((s) => s.name));
  const logs = distinct(
    telemetry.logs.map((l) => typeof l.body === "string" ? l.body : l.eventName ?? "(structured)"),
  );
  const metrics = distinct(telemetry.metrics.map((m) => m.name));
  return [
    `${telemetry.spans.length} spans${list(spans)}`,
    `${telemetry.logs.length} logs${list(logs)}`,
    `${telemetry.metrics.length} metrics${list(metrics)}`,
  ].join(", ");
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}

function list(values: string[]): string {
  if (values.length === 0) return "";
  const shown = values.slice(0, 10).map((v) => JSON.stringify(v));
  if (values.length > shown.length) shown.push(`and ${values.length - shown.length} more`);
  return ` (${shown.join(", ")})`;
}
