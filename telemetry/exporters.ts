/**
 * Chooses each signal's exporter from its configuration: OTLP/HTTP with
 * protobuf or JSON encoding, the console, or nothing.
 *
 * The OTLP exporters send with Deno's `fetch` (see fetch_transport.ts for
 * why not `node:https`) and read `OTEL_EXPORTER_OTLP_*_HEADERS` and the
 * certificate variables from the environment; the URL, timeout and
 * compression are passed in, already resolved and validated.
 *
 * @module
 */
import { ConsoleLogRecordExporter, type LogRecordExporter } from "@opentelemetry/sdk-logs";
import { ConsoleMetricExporter, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { ConsoleSpanExporter, type SpanExporter } from "@opentelemetry/sdk-trace";
import type { SignalConfig, TemporalityPreference } from "./config.ts";
import {
  createFetchLogRecordExporter,
  createFetchMetricExporter,
  createFetchSpanExporter,
  type FetchExporterOptions,
} from "./fetch_transport.ts";

/** Options shared by the exporter factories. */
export interface ExporterOptions {
  /** Aborted when shutdown begins: OTLP exports stop retrying. */
  readonly stopRetrying?: AbortSignal;
}

/** What the OTLP exporter of `config` is built from. */
export function otlpOptions(
  config: SignalConfig,
): Required<Pick<FetchExporterOptions, "url" | "protocol" | "timeoutMillis" | "compression">> {
  return {
    url: config.endpoint.value,
    protocol: config.protocol.value,
    timeoutMillis: config.timeoutMillis.value,
    compression: config.compression.value,
  };
}

/** The span exporter for `config`, or `undefined` for `none`. */
export function createSpanExporter(
  config: SignalConfig,
  options: ExporterOptions = {},
): SpanExporter | undefined {
  switch (config.exporter.value) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleSpanExporter();
    case "otlp":
      return createFetchSpanExporter({ ...otlpOptions(config), ...options });
  }
}

/** The metric exporter for `config`, or `undefined` for `none`; cumulative unless `temporality` says otherwise. */
export function createMetricExporter(
  config: SignalConfig,
  options: ExporterOptions & { readonly temporality?: TemporalityPreference } = {},
): PushMetricExporter | undefined {
  switch (config.exporter.value) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleMetricExporter();
    case "otlp":
      return createFetchMetricExporter({ ...otlpOptions(config), ...options });
  }
}

/** The log record exporter for `config`, or `undefined` for `none`. */
export function createLogRecordExporter(
  config: SignalConfig,
  options: ExporterOptions = {},
): LogRecordExporter | undefined {
  switch (config.exporter.value) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleLogRecordExporter();
    case "otlp":
      return createFetchLogRecordExporter({ ...otlpOptions(config), ...options });
  }
}
