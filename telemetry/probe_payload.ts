/**
 * The doctor's test telemetry: one span, one metric and one log record
 * sharing a fresh trace id, recorded with the real SDK under the service's
 * own resource and serialized by the OTLP exporters' own serializers, so the
 * bytes on the wire are what the service would send.
 *
 * The SDK objects are private to this call: nothing is registered globally.
 *
 * @module
 */
import { context, SeverityNumber, trace } from "@opentelemetry/api";
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import type { Resource } from "@opentelemetry/resources";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import { MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { OtlpProtocol, Signal } from "./config.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "../version.ts";

/** Name of the test counter; Prometheus stores it as `app_doctor_probes_total`. */
export const PROBE_METRIC = "app.doctor.probes";
/** The counter's name in Prometheus after OTLP translation (unit in braces dropped, `_total` added). */
export const PROBE_METRIC_PROMETHEUS = "app_doctor_probes_total";
/** Body of the test log record. */
export const PROBE_LOG_BODY = "greet-api doctor probe";
/** Name of the test span. */
export const PROBE_SPAN_NAME = "doctor probe";

/** The recorded test telemetry, ready to serialize per protocol. */
export interface Probe {
  /** Trace id shared by the span and the log record. */
  readonly traceId: string;
  /** `service.instance.id` of the resource: Prometheus' `instance` label of the metric. */
  readonly instanceId: string;
  /** `service.name` of the resource: Loki's `service_name` label, Prometheus' `job`. */
  readonly serviceName: string;
  /** The export request body for `signal` in `protocol`. */
  body(signal: Signal, protocol: OtlpProtocol): Uint8Array;
}

/** Records one span, one counter increment and one log record under `resource`. */
export async function recordProbe(resource: Resource): Promise<Probe> {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    resource,
    sampler: new AlwaysOnSampler(),
    spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
  });
  const reader = new CollectOnlyReader();
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  try {
    const span = tracerProvider.getTracer(SERVICE_NAME, SERVICE_VERSION).startSpan(
      PROBE_SPAN_NAME,
      { attributes: { "app.doctor": true } },
    );
    const traceId = span.spanContext().traceId;
    loggerProvider.getLogger(SERVICE_NAME, SERVICE_VERSION).emit({
      body: PROBE_LOG_BODY,
      severityNumber: SeverityNumber.INFO,
      severityText: "INFO",
      attributes: { "app.doctor": true },
      context: trace.setSpan(context.active(), span),
    });
    meterProvider.getMeter(SERVICE_NAME, SERVICE_VERSION).createCounter(PROBE_METRIC, {
      unit: "{probe}",
      description: "Test increments sent by greet-api doctor",
    }).add(1);
    span.end();
    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length) throw new Error(`Cannot record the test metric: ${errors.join("; ")}`);
    const spans = spanExporter.getFinishedSpans();
    const logs = logExporter.getFinishedLogRecords();
    const serviceName = String(resource.attributes["service.name"] ?? SERVICE_NAME);
    const instanceId = String(resource.attributes["service.instance.id"] ?? "");
    return {
      traceId,
      instanceId,
      serviceName,
      body(signal: Signal, protocol: OtlpProtocol): Uint8Array {
        const json = protocol === "http/json";
        const bytes = signal === "traces"
          ? (json ? JsonTraceSerializer : ProtobufTraceSerializer).serializeRequest(spans)
          : signal === "logs"
          ? (json ? JsonLogsSerializer : ProtobufLogsSerializer).serializeRequest(logs)
          : (json ? JsonMetricsSerializer : ProtobufMetricsSerializer).serializeRequest(
            resourceMetrics,
          );
        if (!bytes) throw new Error(`Cannot serialize the test ${signal} as ${protocol}`);
        return bytes;
      },
    };
  } finally {
    await Promise.allSettled([
      tracerProvider.shutdown(),
      loggerProvider.shutdown(),
      meterProvider.shutdown(),
    ]);
  }
}

/** A reader that only collects on demand: no timer, no exporter. */
class CollectOnlyReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
