/**
 * Chooses each signal's exporter from its configuration: OTLP/HTTP with
 * protobuf or JSON encoding, the console, or nothing.
 *
 * The OTLP exporters read `OTEL_EXPORTER_OTLP_*_HEADERS`, `_TIMEOUT`,
 * `_COMPRESSION` and the certificate variables from the environment
 * themselves; the URL is passed in, already resolved and validated.
 *
 * @module
 */
import { OTLPLogExporter as JsonLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoLogExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as JsonMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoMetricExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as JsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { ConsoleLogRecordExporter, type LogRecordExporter } from "@opentelemetry/sdk-logs";
import { ConsoleMetricExporter, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { ConsoleSpanExporter, type SpanExporter } from "@opentelemetry/sdk-trace";
import type { SignalConfig } from "./config.ts";

/** The span exporter for `config`, or `undefined` for `none`. */
export function createSpanExporter(config: SignalConfig): SpanExporter | undefined {
  switch (config.exporter.value) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleSpanExporter();
    case "otlp": {
      const url = config.endpoint.value;
      return config.protocol.value === "http/json"
        ? new JsonTraceExporter({ url })
        : new ProtoTraceExporter({ url });
    }
  }
}

/** The metric exporter for `config`, or `undefined` for `none`. */
export function createMetricExporter(config: SignalConfig): PushMetricExporter | undefined {
  switch (config.exporter.value) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleMetricExporter();
    case "otlp": {
      const url = config.endpoint.value;
      return config.protocol.value === "http/json"
        ? new JsonMetricExporter({ url })
        : new ProtoMetricExporter({ url });
    }
  }
}

/** The log record exporter for `config`, or `undefined` for `none`. */
export function createLogRecordExporter(config: SignalConfig): LogRecordExporter | undefined {
  switch (config.exporter.value) {
    case "none":
      return undefined;
    case "console":
      return new ConsoleLogRecordExporter();
    case "otlp": {
      const url = config.endpoint.value;
      return config.protocol.value === "http/json"
        ? new JsonLogExporter({ url })
        : new ProtoLogExporter({ url });
    }
  }
}
