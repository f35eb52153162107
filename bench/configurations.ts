/**
 * The server setups `deno task bench` compares, by table.
 *
 * @module
 */

/** One server setup under test. */
export interface Configuration {
  readonly name: string;
  readonly script: string;
  readonly env: Readonly<Record<string, string>>;
}

const FULL_TELEMETRY = { OTEL_METRIC_EXPORT_INTERVAL: "5000" };
/** The baseline: a bare `Deno.serve` answering the same body. */
export const BARE: Configuration = {
  name: "bare Deno.serve",
  script: "bench/bare_server.ts",
  env: {},
};
const FLOOR_SCRIPT = "bench/sdk_floor_server.ts";
const FLOOR_ENV = { ...FULL_TELEMETRY, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" };
/** The least any handler pays to trace and log every request with the JS SDK. */
export const SDK_FLOOR: Configuration = {
  name: "SDK floor: bare + span, log, metric",
  script: FLOOR_SCRIPT,
  env: FLOOR_ENV,
};

/** The saturation table: bare, the service in every telemetry mode, and the SDK floor. */
export const CONFIGURATIONS: readonly Configuration[] = [
  BARE,
  { name: "service, telemetry off", script: "main.ts", env: { OTEL_SDK_DISABLED: "true" } },
  SDK_FLOOR,
  {
    name: "service, OTel SDK, http/json",
    script: "main.ts",
    env: { ...FULL_TELEMETRY, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" },
  },
  {
    name: "service, OTel SDK, http/protobuf",
    script: "main.ts",
    env: { ...FULL_TELEMETRY, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" },
  },
  {
    name: "service, Deno built-in OTel",
    script: "main.ts",
    env: { ...FULL_TELEMETRY, OTEL_DENO: "true" },
  },
];

/** The SDK floor with `env` added, under `name`. */
function floorWith(name: string, env: Readonly<Record<string, string>>): Configuration {
  return { name, script: FLOOR_SCRIPT, env: { ...FLOOR_ENV, ...env } };
}

/**
 * `--breakdown`: the SDK floor with one part switched off at a time, to see
 * what each signal's export and the recording itself cost per request.
 */
export const BREAKDOWN: readonly Configuration[] = [
  BARE,
  floorWith("floor, API calls only (OTEL_SDK_DISABLED)", { OTEL_SDK_DISABLED: "true" }),
  floorWith("floor, recorded, nothing exported", {
    OTEL_TRACES_EXPORTER: "none",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
  }),
  floorWith("floor, spans not exported", { OTEL_TRACES_EXPORTER: "none" }),
  floorWith("floor, logs not exported", { OTEL_LOGS_EXPORTER: "none" }),
  floorWith("floor, metrics not exported", { OTEL_METRICS_EXPORTER: "none" }),
  SDK_FLOOR,
];

/**
 * The fixed-rate table: bare, the service with and without telemetry, and
 * the SDK floor, the rows a reader compares latency across.
 */
export const FIXED_RATE: readonly Configuration[] = [
  BARE,
  { name: "service, telemetry off", script: "main.ts", env: { OTEL_SDK_DISABLED: "true" } },
  SDK_FLOOR,
  {
    name: "service, OTel SDK, http/protobuf",
    script: "main.ts",
    env: { ...FULL_TELEMETRY, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" },
  },
];

/**
 * The order of a round's rows: as listed in odd rounds, reversed in even ones,
 * so that no row always runs right after the same one. A row that follows a
 * full-telemetry row inherits some of its aftermath (the sink's garbage, the
 * machine's caches), and with a fixed order that always fell on the same row.
 */
export function roundOrder<T>(rows: readonly T[], round: number): readonly T[] {
  return round % 2 === 1 ? rows : [...rows].reverse();
}
