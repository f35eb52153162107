/**
 * The metric instruments this service emits: one table that the code creating
 * them, the telemetry contract (docs/telemetry.md) and the dashboard checks all read.
 *
 * @module
 */
import { METRIC_HTTP_SERVER_REQUEST_DURATION } from "@opentelemetry/semantic-conventions";
import {
  METRIC_APP_GREETINGS,
  METRIC_HTTP_SERVER_ACTIVE_REQUESTS,
  METRIC_NODEJS_EVENTLOOP_DELAY_P99,
  METRIC_PROCESS_CPU_TIME,
  METRIC_PROCESS_MEMORY_USAGE,
  METRIC_V8JS_MEMORY_HEAP_USED,
} from "./semconv.ts";

/** The OpenTelemetry instrument kinds this service uses. */
export type InstrumentKind =
  | "histogram"
  | "counter"
  | "updowncounter"
  | "observable_counter"
  | "observable_updowncounter"
  | "observable_gauge";

/** One metric instrument: what the SDK is told when the instrument is created. */
export interface InstrumentDescriptor {
  /** Instrument name as exported over OTLP. */
  readonly name: string;
  /** Instrument kind; decides the OTLP data type and the Prometheus suffixes. */
  readonly kind: InstrumentKind;
  /** UCUM unit (`s`, `By`, `{request}`). */
  readonly unit: string;
  /** One-line description exported with the metric. */
  readonly description: string;
  /** Attribute keys the data points may carry: the whole, bounded set. */
  readonly attributes: readonly string[];
}

/** Request duration histogram (stable HTTP semantic conventions). */
export const HTTP_SERVER_REQUEST_DURATION: InstrumentDescriptor = {
  name: METRIC_HTTP_SERVER_REQUEST_DURATION,
  kind: "histogram",
  unit: "s",
  description: "Duration of HTTP server requests.",
  attributes: [
    "http.request.method",
    "http.route",
    "http.response.status_code",
    "url.scheme",
    "error.type",
  ],
};

/** Requests currently being handled. */
export const HTTP_SERVER_ACTIVE_REQUESTS: InstrumentDescriptor = {
  name: METRIC_HTTP_SERVER_ACTIVE_REQUESTS,
  // Observed from a running tally at collection time: no per-request hashing.
  kind: "observable_updowncounter",
  unit: "{request}",
  description: "Number of active HTTP server requests.",
  attributes: ["http.request.method", "url.scheme"],
};

/** Greetings served, split only by whether a name was given. */
export const APP_GREETINGS: InstrumentDescriptor = {
  name: METRIC_APP_GREETINGS,
  // Observed from running tallies at collection time: no per-request hashing.
  kind: "observable_counter",
  unit: "{greeting}",
  description: "Greetings served, by kind (default or named).",
  attributes: ["app.greeting.kind"],
};

/** Resident set size of the process. */
export const PROCESS_MEMORY_USAGE: InstrumentDescriptor = {
  name: METRIC_PROCESS_MEMORY_USAGE,
  kind: "observable_updowncounter",
  unit: "By",
  description: "Resident memory of the process.",
  attributes: [],
};

/** CPU time consumed by the process, by mode. */
export const PROCESS_CPU_TIME: InstrumentDescriptor = {
  name: METRIC_PROCESS_CPU_TIME,
  kind: "observable_counter",
  unit: "s",
  description: "CPU seconds used by the process.",
  attributes: ["cpu.mode"],
};

/** V8 heap in use. */
export const V8JS_MEMORY_HEAP_USED: InstrumentDescriptor = {
  name: METRIC_V8JS_MEMORY_HEAP_USED,
  kind: "observable_updowncounter",
  unit: "By",
  description: "V8 heap memory in use.",
  attributes: [],
};

/** 99th percentile of event-loop delay over the last export interval. */
export const NODEJS_EVENTLOOP_DELAY_P99: InstrumentDescriptor = {
  name: METRIC_NODEJS_EVENTLOOP_DELAY_P99,
  kind: "observable_gauge",
  unit: "s",
  description: "Event-loop delay, 99th percentile over the export interval.",
  attributes: [],
};

/** Every instrument this service creates, in the order of docs/telemetry.md's table. */
export const INSTRUMENTS: readonly InstrumentDescriptor[] = [
  HTTP_SERVER_REQUEST_DURATION,
  HTTP_SERVER_ACTIVE_REQUESTS,
  APP_GREETINGS,
  PROCESS_MEMORY_USAGE,
  PROCESS_CPU_TIME,
  V8JS_MEMORY_HEAP_USED,
  NODEJS_EVENTLOOP_DELAY_P99,
];
