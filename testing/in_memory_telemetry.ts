/**
 * Private, in-memory OpenTelemetry providers for tests: spans, metrics and
 * log records are kept in arrays instead of being exported.
 *
 * The W3C propagator and the AsyncLocalStorage context manager are global
 * by nature; they are registered once per test process.
 *
 * @module
 */
import { context, propagation } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { Logger as OtelLogger, Meter, Tracer } from "@opentelemetry/api";

let globalsRegistered = false;

/** Registers the W3C propagators and the async context manager, once. */
export function registerTestGlobals(): void {
  if (globalsRegistered) return;
  globalsRegistered = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
}

/** In-memory providers and what they recorded. */
export interface InMemoryTelemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly otelLogger: OtelLogger;
  /** Spans ended so far. */
  spans(): ReadableSpan[];
  /** Log records emitted so far. */
  logRecords(): ReadableLogRecord[];
  /** Collects and returns the current metric data, by instrument name. */
  metrics(): Promise<Map<string, MetricData>>;
  /** Shuts every provider down. */
  shutdown(): Promise<void>;
}

/** Creates a fresh set of in-memory providers. */
export function createInMemoryTelemetry(): InMemoryTelemetry {
  registerTestGlobals();
  const resource = resourceFromAttributes({ "service.name": "greet-api-test" });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter: spanExporter })],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    // Collection is driven by the test through forceFlush, not by this timer.
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: logExporter })],
  });
  return {
    tracer: tracerProvider.getTracer("test"),
    meter: meterProvider.getMeter("test"),
    otelLogger: loggerProvider.getLogger("test"),
    spans: () => spanExporter.getFinishedSpans(),
    logRecords: () => logExporter.getFinishedLogRecords(),
    async metrics(): Promise<Map<string, MetricData>> {
      metricExporter.reset();
      await reader.forceFlush();
      const byName = new Map<string, MetricData>();
      for (const batch of metricExporter.getMetrics()) {
        for (const scope of batch.scopeMetrics) {
          for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
        }
      }
      return byName;
    },
    async shutdown(): Promise<void> {
      await Promise.all([
        tracerProvider.shutdown(),
        meterProvider.shutdown(),
        loggerProvider.shutdown(),
      ]);
    },
  };
}
