/**
 * OTLP/HTTP exporters that send with Deno's own `fetch` instead of the OTLP
 * packages' Node transport (`node:http`/`node:https`).
 *
 * Why: in Deno 2.9 a `node:https` request without an explicit `ca` (a hosted
 * OTLP gateway with a publicly trusted certificate) asks for the `sys`
 * permission `"ca"`, which `--allow-sys=<names>` cannot grant by name
 * (`unknown sys descriptor: 'ca'`); only a blanket `--allow-sys` would. So
 * under the service's narrowed permissions every HTTPS export failed with
 * `Requires sys access to "ca"`, in `deno run` and in the compiled binary
 * alike, and a CA file named by `OTEL_EXPORTER_OTLP_CERTIFICATE` was skipped
 * with only a diagnostic when it could not be read. `fetch` uses Deno's TLS
 * stack and root store and needs nothing beyond `--allow-net`; a private CA
 * or a client certificate goes into a `Deno.createHttpClient`, read once at
 * start-up, and an unreadable file stops start-up naming the variable.
 *
 * Spans and log records in protobuf are encoded by the project's own
 * encoders (otlp/: the transformer's bytes at a fraction of its cost);
 * everything else (metrics and JSON serialization, concurrency limit,
 * partial-success handling, the exporter classes the SDK sees) is the OTLP
 * packages' own, through their public API; headers and certificates are
 * read here from the same `OTEL_EXPORTER_OTLP_*` variables, with the same
 * precedence, and timeout and compression come validated from config.ts.
 * Nothing here imports the packages' Node transport (`…/node-http`), so
 * Node's `http`, `https` and `zlib` modules are never loaded.
 *
 * @module
 */
import { parseKeyPairsIntoRecord } from "@opentelemetry/core";
import {
  createOtlpNetworkExportDelegate,
  ExporterMetrics,
  type ExportResponse,
  getSharedConfigurationDefaults,
  type IExporterTransport,
  type IOtlpExportDelegate,
  mergeOtlpSharedConfigurationWithDefaults,
  OTLPExporterBase,
  OTLPExporterError,
} from "@opentelemetry/otlp-exporter-base";
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  LogsExporterMetricsHelper,
  MetricsExporterMetricsHelper,
  ProtobufMetricsSerializer,
  TraceExporterMetricsHelper,
} from "@opentelemetry/otlp-transformer";
import type { ReadableLogRecord } from "@opentelemetry/sdk-logs";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { ConfigError } from "../config_error.ts";
import {
  EncodedLogsSerializer,
  EncodedTraceSerializer,
  OtlpProtobufLogsSerializer,
  OtlpProtobufTraceSerializer,
} from "./otlp/serializers.ts";
import { processEnv } from "../env.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "../version.ts";
import type { Compression, OtlpProtocol, Signal, TemporalityPreference } from "./config.ts";
import { OtlpMetricExporter } from "./metric_exporter.ts";
import type { EncodedBatch } from "./otlp/envelope.ts";

/** Environment the exporters read: {@linkcode processEnv} in the service. */
export type ExporterEnv = Readonly<Record<string, string | undefined>>;

/** Where and how one signal is exported. */
export interface FetchExporterOptions {
  /** Full URL, `/v1/<signal>` included. */
  readonly url: string;
  readonly protocol: OtlpProtocol;
  /** Per export, retries included: the signal's `timeoutMillis` from config.ts; default 10 s. */
  readonly timeoutMillis?: number;
  /** The signal's `compression` from config.ts; default none. */
  readonly compression?: Compression;
  /** Where headers and certificates are read; defaults to the process environment. */
  readonly env?: ExporterEnv;
  /** Once aborted (at shutdown), a failed attempt is final: see {@linkcode FetchTransportOptions.stopRetrying}. */
  readonly stopRetrying?: AbortSignal;
}

/** An OTLP/HTTP span exporter sending with `fetch`. */
export function createFetchSpanExporter(
  options: FetchExporterOptions,
): OTLPExporterBase<ReadableSpan[]> {
  const json = options.protocol === "http/json";
  return new OTLPExporterBase(
    createDelegate(
      "traces",
      options,
      json ? JsonTraceSerializer : OtlpProtobufTraceSerializer,
      TraceExporterMetricsHelper,
      "otlp_http_span_exporter",
    ),
  );
}

/**
 * An OTLP/HTTP protobuf exporter of requests already encoded by the
 * encoding processor (encoding_processor.ts): the OTLP exporter machinery
 * (concurrency limit, partial-success handling, retries through this
 * transport) with a serializer that passes the bytes through.
 */
export function createFetchEncodedExporter(
  signal: "traces" | "logs",
  options: Omit<FetchExporterOptions, "protocol">,
): OTLPExporterBase<EncodedBatch> {
  return new OTLPExporterBase(
    createDelegate<EncodedBatch>(
      signal,
      { ...options, protocol: "http/protobuf" },
      signal === "traces" ? EncodedTraceSerializer : EncodedLogsSerializer,
      { name: signal === "traces" ? "span" : "log", countItems: (batch) => batch.count },
      signal === "traces" ? "otlp_http_span_exporter" : "otlp_http_log_exporter",
    ),
  );
}

/** An OTLP/HTTP metric exporter sending with `fetch`; cumulative unless `temporality` says otherwise. */
export function createFetchMetricExporter(
  options: FetchExporterOptions & { readonly temporality?: TemporalityPreference },
): OtlpMetricExporter {
  const json = options.protocol === "http/json";
  return new OtlpMetricExporter(
    createDelegate(
      "metrics",
      options,
      json ? JsonMetricsSerializer : ProtobufMetricsSerializer,
      MetricsExporterMetricsHelper,
      "otlp_http_metric_exporter",
    ),
    options.temporality ?? "cumulative",
  );
}

/** An OTLP/HTTP log record exporter sending with `fetch`. */
export function createFetchLogRecordExporter(
  options: FetchExporterOptions,
): OTLPExporterBase<ReadableLogRecord[]> {
  const json = options.protocol === "http/json";
  return new OTLPExporterBase(
    createDelegate(
      "logs",
      options,
      json ? JsonLogsSerializer : OtlpProtobufLogsSerializer,
      LogsExporterMetricsHelper,
      "otlp_http_log_exporter",
    ),
  );
}

type Serializer<T> = Parameters<typeof createOtlpNetworkExportDelegate<T, unknown>>[1];
type MetricsHelper<T> = ConstructorParameters<typeof ExporterMetrics<T>>[0]["metricsHelper"];

function createDelegate<T>(
  signal: Signal,
  options: FetchExporterOptions,
  serializer: Serializer<T>,
  metricsHelper: MetricsHelper<T>,
  componentType: string,
): IOtlpExportDelegate<T> {
  const env = options.env ?? processEnv();
  const upper = signal.toUpperCase();
  const shared = mergeOtlpSharedConfigurationWithDefaults(
    {
      ...(options.timeoutMillis !== undefined ? { timeoutMillis: options.timeoutMillis } : {}),
      ...(options.compression !== undefined ? { compression: options.compression } : {}),
    },
    {},
    getSharedConfigurationDefaults(),
  );
  const transport = createFetchTransport({
    url: options.url,
    headers: {
      ...readHeaders(env, upper),
      "content-type": options.protocol === "http/json"
        ? "application/json"
        : "application/x-protobuf",
      "user-agent": `${SERVICE_NAME}/${SERVICE_VERSION} (Deno fetch)`,
    },
    compression: shared.compression,
    client: createTlsClient(env, upper),
    stopRetrying: options.stopRetrying,
  });
  const metrics = new ExporterMetrics<T>({
    componentType,
    metricsHelper,
    url: options.url,
    meterProvider: undefined,
    responseAttributesFromError: (error) =>
      error instanceof OTLPExporterError && error.code !== undefined
        ? { "http.response.status_code": error.code }
        : {},
  });
  return createOtlpNetworkExportDelegate(shared, serializer, metrics, transport);
}

/** Options for {@linkcode createFetchTransport}. */
export interface FetchTransportOptions {
  readonly url: string;
  /** Sent with every request, `content-type` included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: "gzip" | "none";
  /** A client trusting a private CA or presenting a client certificate. */
  readonly client?: Deno.HttpClient | undefined;
  /**
   * Once aborted, an attempt that fails is not retried and a wait before a
   * retry ends at once. The service aborts it when shutdown begins: a
   * collector that is down now will not come back within the shutdown
   * budget, so waiting out the backoff would only delay the exit.
   */
  readonly stopRetrying?: AbortSignal | undefined;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const MAX_ATTEMPTS = 6;
const INITIAL_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 5_000;

/**
 * A transport that POSTs each export with `fetch`, retrying as the OTLP
 * specification asks (429, 502, 503, 504 and network errors; `Retry-After`
 * honoured; exponential backoff with jitter), all within `timeoutMillis`.
 */
export function createFetchTransport(options: FetchTransportOptions): IExporterTransport {
  return {
    async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
      const deadline = Date.now() + timeoutMillis;
      let backoff = INITIAL_BACKOFF_MS;
      const stop = options.stopRetrying;
      let result = await post(options, data, timeoutMillis);
      for (let attempt = 1; attempt < MAX_ATTEMPTS && result.status === "retryable"; attempt++) {
        const jitter = 1 + (Math.random() * 0.4 - 0.2);
        const wait = result.retryInMillis ?? Math.min(backoff * jitter, MAX_BACKOFF_MS);
        backoff *= 1.5;
        const remaining = deadline - Date.now();
        if (wait >= remaining || stop?.aborted) break;
        if (!await pause(wait, stop)) break;
        result = await post(options, data, deadline - Date.now());
      }
      return result;
    },
    shutdown(): void {
      options.client?.close();
    },
  };
}

async function post(
  options: FetchTransportOptions,
  data: Uint8Array,
  timeoutMillis: number,
): Promise<ExportResponse> {
  const headers = new Headers(options.headers);
  // Sent as they are: they stay valid until the export answers, retries
  // included (the encoding processor reuses its buffer only then), and
  // Deno's fetch copies a byte body when called (checked on 2.9.6).
  const payload = isArrayBufferBacked(data) ? data : new Uint8Array(data);
  let body: BodyInit = payload;
  if (options.compression === "gzip") {
    headers.set("content-encoding", "gzip");
    body = await new Response(
      new Blob([payload]).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
  }
  let response: Response;
  try {
    response = await fetch(options.url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(Math.max(timeoutMillis, 1)),
      ...(options.client ? { client: options.client } : {}),
    });
  } catch (error: unknown) {
    // Refused, reset, DNS, TLS and timeouts: the collector may come back.
    return { status: "retryable", error: networkError(error) };
  }
  const bytes = await response.bytes().catch(() => new Uint8Array());
  if (response.ok) return { status: "success", data: bytes };
  const detail = new TextDecoder().decode(bytes.subarray(0, 512));
  const error = new OTLPExporterError(
    `OTLP endpoint answered ${response.status} ${response.statusText}`.trim(),
    response.status,
    detail,
  );
  if (!RETRYABLE_STATUS.has(response.status)) return { status: "failure", error };
  const retryInMillis = parseRetryAfter(response.headers.get("retry-after"));
  return retryInMillis === undefined
    ? { status: "retryable", error }
    : { status: "retryable", error, retryInMillis };
}

/** Waits `ms`; resolves `false` at once if `stop` is aborted first. */
function pause(ms: number, stop: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (waited: boolean): void => {
      clearTimeout(timer);
      stop?.removeEventListener("abort", aborted);
      resolve(waited);
    };
    const aborted = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    stop?.addEventListener("abort", aborted, { once: true });
  });
}

/** Whether `bytes` can go to `fetch` as they are: not a view of a SharedArrayBuffer. */
function isArrayBufferBacked(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer;
}

function networkError(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  // Deno puts the useful part ("Connection refused", "invalid peer certificate") in the cause.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return new Error(`${error.message}${cause}`, { cause: error });
}

function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1_000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(date - Date.now(), 0);
}

/** `OTEL_EXPORTER_OTLP_HEADERS` overlaid with the per-signal variable, as the specification says. */
function readHeaders(env: ExporterEnv, upper: string): Record<string, string> {
  return {
    ...parseKeyPairsIntoRecord(env.OTEL_EXPORTER_OTLP_HEADERS),
    ...parseKeyPairsIntoRecord(env[`OTEL_EXPORTER_OTLP_${upper}_HEADERS`]),
  };
}

/**
 * A client for the certificate variables, or `undefined` when none is set
 * (then Deno's default root store applies).
 *
 * @throws {ConfigError} when a named file cannot be read.
 */
function createTlsClient(env: ExporterEnv, upper: string): Deno.HttpClient | undefined {
  const ca = readPem(env, upper, "CERTIFICATE");
  const cert = readPem(env, upper, "CLIENT_CERTIFICATE");
  const key = readPem(env, upper, "CLIENT_KEY");
  if (cert !== undefined && key === undefined) {
    throw new ConfigError(
      "OTEL_EXPORTER_OTLP_CLIENT_KEY",
      "must be set when OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is: mutual TLS needs both",
      "",
    );
  }
  if (key !== undefined && cert === undefined) {
    throw new ConfigError(
      "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
      "must be set when OTEL_EXPORTER_OTLP_CLIENT_KEY is: mutual TLS needs both",
      "",
    );
  }
  if (ca === undefined && cert === undefined) return undefined;
  return Deno.createHttpClient({
    ...(ca !== undefined ? { caCerts: [ca] } : {}),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
  });
}

function readPem(env: ExporterEnv, upper: string, suffix: string): string | undefined {
  const specific = `OTEL_EXPORTER_OTLP_${upper}_${suffix}`;
  const general = `OTEL_EXPORTER_OTLP_${suffix}`;
  const name = env[specific]?.trim() ? specific : general;
  const path = env[name]?.trim();
  if (!path) return undefined;
  try {
    return Deno.readTextFileSync(path);
  } catch (error: unknown) {
    const reason = error instanceof Deno.errors.NotCapable
      ? "must name a PEM file the service is allowed to read (the compiled binary reads " +
        "/etc/greet-api only; with deno run, add --allow-read=<file>)"
      : `must name a readable PEM file (${error instanceof Error ? error.message : error})`;
    throw new ConfigError(name, reason, path);
  }
}
