/**
 * OpenTelemetry settings read from the standard `OTEL_*` environment
 * variables, validated once at start-up.
 *
 * The fetch transport (fetch_transport.ts) reads `OTEL_EXPORTER_OTLP_*_HEADERS`
 * and the certificate variables. This module resolves what the SDK packages
 * of the 3.x line no longer read (sampler, exporter selection, protocol,
 * intervals), the endpoints, and each exporter's timeout, compression and
 * metric temporality, because the OTLP packages only emit a diagnostic and
 * fall back to a default on a bad value (`localhost:4318` for a malformed
 * URL, the most common reason for "no data in Grafana"). Here a bad value
 * stops start-up with a message naming the variable.
 *
 * @module
 */
import { ConfigError } from "../config_error.ts";

/** The three signals, as spelled in variable names and URL paths. */
export const SIGNALS = ["traces", "metrics", "logs"] as const;
/** One of {@linkcode SIGNALS}. */
export type Signal = typeof SIGNALS[number];

/** Where each signal goes: OTLP, stdout, or nowhere. */
export type ExporterKind = "otlp" | "console" | "none";
/** The OTLP/HTTP encodings this service can send. */
export type OtlpProtocol = "http/protobuf" | "http/json";
/** How an OTLP exporter compresses its requests. */
export type Compression = "gzip" | "none";

/**
 * `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`: which instruments
 * report deltas (metric_exporter.ts). Prometheus, behind Alloy, wants the
 * default, cumulative.
 */
export const TEMPORALITY_PREFERENCES = ["cumulative", "delta", "lowmemory"] as const;
/** One of {@linkcode TEMPORALITY_PREFERENCES}. */
export type TemporalityPreference = typeof TEMPORALITY_PREFERENCES[number];

/** The sampler names of the OpenTelemetry environment specification. */
export const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
/** One of {@linkcode SAMPLERS}. */
export type SamplerName = typeof SAMPLERS[number];

/** The base URL used when no endpoint variable is set: Alloy's OTLP/HTTP port as compose.yaml publishes it on the Pi. */
export const DEFAULT_OTLP_ENDPOINT = "http://localhost:4319";

/** A value and where it came from, so `doctor` and the start-up log can explain it. */
export interface Sourced<T> {
  readonly value: T;
  /** `default`, or the environment variable that set it. */
  readonly source: string;
}

/** Export settings of one signal. */
export interface SignalConfig {
  readonly exporter: Sourced<ExporterKind>;
  readonly protocol: Sourced<OtlpProtocol>;
  /** Full URL the exporter posts to, `/v1/<signal>` included. */
  readonly endpoint: Sourced<string>;
  /** `OTEL_EXPORTER_OTLP_{SIGNAL_,}TIMEOUT`: milliseconds per export, retries included. */
  readonly timeoutMillis: Sourced<number>;
  /** `OTEL_EXPORTER_OTLP_{SIGNAL_,}COMPRESSION`. */
  readonly compression: Sourced<Compression>;
}

/** Batching settings shared by the span and log record processors. */
export interface BatchConfig {
  readonly scheduledDelayMillis: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly exportTimeoutMillis: number;
}

/** All OpenTelemetry settings. */
export interface TelemetryConfig {
  /** `OTEL_SDK_DISABLED=true`: no SDK, the API stays a no-op. */
  readonly sdkDisabled: boolean;
  /** `OTEL_DENO=true`: Deno's built-in OpenTelemetry owns the providers. */
  readonly denoBuiltIn: boolean;
  readonly traces: SignalConfig;
  readonly metrics: SignalConfig;
  readonly logs: SignalConfig;
  readonly sampler: { readonly name: SamplerName; readonly ratio: number };
  /** `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`. */
  readonly metricTemporality: Sourced<TemporalityPreference>;
  /** `OTEL_METRIC_EXPORT_INTERVAL`, milliseconds. */
  readonly metricExportIntervalMs: number;
  /** `OTEL_METRIC_EXPORT_TIMEOUT`, milliseconds, never above the interval. */
  readonly metricExportTimeoutMs: number;
  /** `OTEL_BSP_*`. */
  readonly spanBatch: BatchConfig;
  /** `OTEL_BLRP_*`. */
  readonly logBatch: BatchConfig;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the `OTEL_*` variables.
 *
 * @throws {ConfigError} naming the first variable with a bad value.
 */
export function loadTelemetryConfig(env: Env): TelemetryConfig {
  const metricExportIntervalMs = readPositiveInteger(env, "OTEL_METRIC_EXPORT_INTERVAL", 15_000);
  return {
    sdkDisabled: readBoolean(env, "OTEL_SDK_DISABLED"),
    denoBuiltIn: readBoolean(env, "OTEL_DENO"),
    traces: readSignal(env, "traces"),
    metrics: readSignal(env, "metrics"),
    logs: readSignal(env, "logs"),
    sampler: readSampler(env),
    metricTemporality: readSourcedChoice(
      env,
      ["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"],
      TEMPORALITY_PREFERENCES,
      "cumulative",
    ),
    metricExportIntervalMs,
    metricExportTimeoutMs: Math.min(
      readPositiveInteger(env, "OTEL_METRIC_EXPORT_TIMEOUT", 10_000),
      metricExportIntervalMs,
    ),
    spanBatch: readBatch(env, "OTEL_BSP", 5_000),
    logBatch: readBatch(env, "OTEL_BLRP", 1_000),
  };
}

function readSignal(env: Env, signal: Signal): SignalConfig {
  const upper = signal.toUpperCase();
  return {
    exporter: readSourcedChoice(
      env,
      [`OTEL_${upper}_EXPORTER`],
      ["otlp", "console", "none"],
      "otlp",
    ),
    protocol: readProtocol(env, upper),
    endpoint: readEndpoint(env, signal),
    timeoutMillis: readSourcedPositiveInteger(
      env,
      [`OTEL_EXPORTER_OTLP_${upper}_TIMEOUT`, "OTEL_EXPORTER_OTLP_TIMEOUT"],
      10_000,
    ),
    compression: readSourcedChoice(
      env,
      [`OTEL_EXPORTER_OTLP_${upper}_COMPRESSION`, "OTEL_EXPORTER_OTLP_COMPRESSION"],
      ["gzip", "none"],
      "none",
    ),
  };
}

function readProtocol(env: Env, upper: string): Sourced<OtlpProtocol> {
  const names = [`OTEL_EXPORTER_OTLP_${upper}_PROTOCOL`, "OTEL_EXPORTER_OTLP_PROTOCOL"];
  for (const name of names) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    if (raw === "grpc") {
      throw new ConfigError(
        name,
        "must be http/protobuf or http/json (this service speaks OTLP/HTTP; send to port 4319, not the gRPC port 4317)",
        raw,
      );
    }
  }
  return readSourcedChoice(env, names, ["http/protobuf", "http/json"], "http/protobuf");
}

/**
 * Resolves a signal's URL as the OTLP exporter specification does: the
 * per-signal variable is used as is; the general one gets `/v1/<signal>`
 * appended.
 */
function readEndpoint(env: Env, signal: Signal): Sourced<string> {
  const specific = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
  const raw = env[specific]?.trim();
  if (raw) return { value: validateUrl(specific, raw), source: specific };
  const general = "OTEL_EXPORTER_OTLP_ENDPOINT";
  const base = env[general]?.trim();
  const source = base ? general : "default";
  const url = validateUrl(general, base || DEFAULT_OTLP_ENDPOINT);
  return { value: `${url.replace(/\/+$/, "")}/v1/${signal}`, source };
}

function validateUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, "must be an absolute http:// or https:// URL", raw);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(name, "must be an absolute http:// or https:// URL", raw);
  }
  if (url.search || url.hash) {
    throw new ConfigError(name, "must not contain a query string or fragment", raw);
  }
  return raw;
}

function readSampler(env: Env): TelemetryConfig["sampler"] {
  const name = readSourcedChoice(env, ["OTEL_TRACES_SAMPLER"], SAMPLERS, "parentbased_always_on")
    .value;
  const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (!name.endsWith("traceidratio") || !raw) return { name, ratio: 1 };
  const ratio = Number(raw);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new ConfigError("OTEL_TRACES_SAMPLER_ARG", "must be a number from 0 to 1", raw);
  }
  return { name, ratio };
}

function readBatch(env: Env, prefix: string, defaultDelay: number): BatchConfig {
  const maxQueueSize = readPositiveInteger(env, `${prefix}_MAX_QUEUE_SIZE`, 2_048);
  const batchName = `${prefix}_MAX_EXPORT_BATCH_SIZE`;
  const maxExportBatchSize = readPositiveInteger(env, batchName, 512);
  if (maxExportBatchSize > maxQueueSize) {
    throw new ConfigError(
      batchName,
      `must not exceed ${prefix}_MAX_QUEUE_SIZE (${maxQueueSize})`,
      String(maxExportBatchSize),
    );
  }
  return {
    scheduledDelayMillis: readPositiveInteger(env, `${prefix}_SCHEDULE_DELAY`, defaultDelay),
    maxQueueSize,
    maxExportBatchSize,
    exportTimeoutMillis: readPositiveInteger(env, `${prefix}_EXPORT_TIMEOUT`, 30_000),
  };
}

/** Reads a positive integer: milliseconds or a count. */
function readPositiveInteger(env: Env, name: string, fallback: number): number {
  return readSourcedPositiveInteger(env, [name], fallback).value;
}

/** The first of `names` that is set, as a positive integer; a bad value is an error, not skipped. */
function readSourcedPositiveInteger(
  env: Env,
  names: readonly string[],
  fallback: number,
): Sourced<number> {
  for (const name of names) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ConfigError(name, "must be a positive integer", raw);
    }
    return { value, source: name };
  }
  return { value: fallback, source: "default" };
}

function readBoolean(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return false;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new ConfigError(name, "must be true or false", env[name] ?? "");
}

function readSourcedChoice<const T extends string>(
  env: Env,
  names: readonly string[],
  choices: readonly T[],
  fallback: T,
): Sourced<T> {
  for (const name of names) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const match = choices.find((choice) => choice === raw.toLowerCase());
    if (match === undefined) {
      throw new ConfigError(name, `must be one of ${choices.join(", ")}`, raw);
    }
    return { value: match, source: name };
  }
  return { value: fallback, source: "default" };
}
