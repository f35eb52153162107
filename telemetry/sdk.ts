/**
 * Starts OpenTelemetry for the service: the only module that constructs SDK
 * objects and registers them with `@opentelemetry/api`.
 *
 * Three modes, decided by configuration:
 * - `sdk`: the OpenTelemetry JS SDK with OTLP/HTTP (or console) exporters;
 * - `deno`: `OTEL_DENO=true`, Deno's built-in OpenTelemetry already owns the
 *   global providers, so nothing is installed and logs go through `console`,
 *   which Deno captures;
 * - `disabled`: `OTEL_SDK_DISABLED=true`, the API stays a no-op.
 *
 * @module
 */
import {
  context,
  diag,
  DiagLogLevel,
  logs,
  type Meter,
  type MeterProvider as ApiMeterProvider,
  metrics,
  propagation,
  trace,
  type TracerProvider as ApiTracerProvider,
} from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  setGlobalErrorHandler,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import { LoggerProvider } from "@opentelemetry/sdk-logs";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import { TracerProvider } from "@opentelemetry/sdk-trace";
import type { LogFormat, LogLevel } from "../config.ts";
import { SERVICE_NAME, SERVICE_VERSION } from "../version.ts";
import { type Signal, SIGNALS, type TelemetryConfig } from "./config.ts";
import { createDiagLogger } from "./diagnostics.ts";
import { ExportMonitor, type SignalHealth } from "./export_health.ts";
import { createMetricExporter } from "./exporters.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createLogRecordProcessors, createSpanProcessors } from "./processors.ts";
import { createResource } from "./resource.ts";
import { registerRuntimeMetrics } from "./runtime_metrics.ts";
import { createSampler } from "./sampler.ts";

/** How telemetry is provided. */
export type TelemetryMode = "sdk" | "deno" | "disabled";

/** What shutting telemetry down achieved. */
export interface ShutdownReport {
  /** `true` when every provider flushed and shut down before the deadline. */
  readonly completed: boolean;
  /** The time the flush was given, milliseconds. */
  readonly budgetMs: number;
  /** Delivery counters per signal (SDK mode only). */
  readonly health: Readonly<Partial<Record<Signal, Readonly<SignalHealth>>>>;
}

/** Running telemetry. */
export interface Telemetry {
  readonly mode: TelemetryMode;
  /** The service's logger, bound to the logs pipeline of this mode. */
  readonly logger: Logger;
  /** The resource telemetry is reported under (SDK mode only). */
  readonly resource: Resource | undefined;
  /** Flushes everything recorded so far and stops, within `timeoutMs`. */
  shutdown(timeoutMs: number): Promise<ShutdownReport>;
}

/** Logging settings the telemetry's logger is built with. */
export interface TelemetryLogOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Line sink for stdout output (tests capture it). */
  readonly write?: (line: string) => void;
}

/** OpenTelemetry could not be started as configured. */
export class TelemetryStartError extends Error {
  /** Describes why start-up failed. */
  constructor(message: string) {
    super(message);
    this.name = "TelemetryStartError";
  }
}

/**
 * Starts telemetry as `config` says and registers it globally.
 *
 * @throws {TelemetryStartError} when a global provider is already registered.
 */
export function startTelemetry(config: TelemetryConfig, log: TelemetryLogOptions): Telemetry {
  if (config.sdkDisabled) {
    return {
      mode: "disabled",
      logger: createLogger(log),
      resource: undefined,
      shutdown: (budgetMs) => Promise.resolve({ completed: true, budgetMs, health: {} }),
    };
  }
  if (config.denoBuiltIn) return startDenoBuiltIn(log);
  return startSdk(config, log);
}

function startDenoBuiltIn(log: TelemetryLogOptions): Telemetry {
  if (isProxy(trace.getTracerProvider()) || isNoop(metrics.getMeterProvider())) {
    throw new TelemetryStartError(
      "Cannot start telemetry: OTEL_DENO=true but Deno's built-in OpenTelemetry registered no providers; " +
        "use a Deno release with OpenTelemetry support or unset OTEL_DENO",
    );
  }
  // Deno exports what `console` prints as log records, with the active span's ids.
  const logger = createLogger({ ...log, write: log.write ?? ((line) => console.log(line)) });
  registerRuntimeMetrics(metrics.getMeter(SERVICE_NAME, SERVICE_VERSION));
  return {
    mode: "deno",
    logger,
    resource: undefined,
    // Deno flushes its own exporters when the process exits.
    shutdown: (budgetMs) => Promise.resolve({ completed: true, budgetMs, health: {} }),
  };
}

function startSdk(config: TelemetryConfig, log: TelemetryLogOptions): Telemetry {
  // The API's proxy logger starts delegating once the provider is registered
  // below, so the monitor and the diag logger can use the logger already.
  const logger = createLogger({
    ...log,
    otelLogger: logs.getLogger(SERVICE_NAME, SERVICE_VERSION),
  });
  const monitor = new ExportMonitor(logger);
  const resource = createResource();
  // Aborted when shutdown begins, so exports to a collector that is down
  // fail at once instead of backing off until the budget is spent.
  const stopRetrying = new AbortController();
  const exporterOptions = { stopRetrying: stopRetrying.signal };

  const metricExporter = createMetricExporter(config.metrics, {
    ...exporterOptions,
    temporality: config.metricTemporality.value,
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: metricExporter
      ? [
        new PeriodicExportingMetricReader({
          exporter: monitor.watch(
            "metrics",
            config.metrics.endpoint.value,
            metricExporter,
            countPoints,
          ),
          exportIntervalMillis: config.metricExportIntervalMs,
          exportTimeoutMillis: config.metricExportTimeoutMs,
        }),
      ]
      : [],
  });
  // The batch processors count what they drop on this meter provider
  // (otel.sdk.processor.*.processed with error.type=queue_full).
  const processorOptions = { monitor, meterProvider, exporterOptions };
  const tracerProvider = new TracerProvider({
    resource,
    sampler: createSampler(config.sampler),
    // Caps every attribute value, so no header can make a span huge.
    spanLimits: { attributeValueLengthLimit: 1024 },
    spanProcessors: createSpanProcessors(config.traces, config.spanBatch, processorOptions),
  });
  const loggerProvider = new LoggerProvider({
    resource,
    logRecordLimits: { attributeValueLengthLimit: 4096 },
    processors: createLogRecordProcessors(config.logs, config.logBatch, processorOptions),
  });

  const registered = [
    ["context manager", context.setGlobalContextManager(new AsyncLocalStorageContextManager())],
    [
      "propagator",
      propagation.setGlobalPropagator(
        new CompositePropagator({
          propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
        }),
      ),
    ],
    ["tracer provider", trace.setGlobalTracerProvider(tracerProvider)],
    ["meter provider", metrics.setGlobalMeterProvider(meterProvider)],
    ["logger provider", logs.setGlobalLoggerProvider(loggerProvider)],
  ] as const;
  const refused = registered.filter(([, ok]) => !ok).map(([name]) => name);
  if (refused.length > 0) {
    throw new TelemetryStartError(
      `Cannot start the OpenTelemetry SDK: a global ${refused.join(", ")} is already registered ` +
        "(is OTEL_DENO=true set, or another library registering its own SDK?)",
    );
  }
  diag.setLogger(createDiagLogger(logger), DiagLogLevel.INFO);
  // Export failures are reported by the ExportMonitor, once per signal per outage.
  setGlobalErrorHandler((error) =>
    logger.debug("OpenTelemetry SDK error", {
      "error.message": error instanceof Error ? error.message : String(error),
    })
  );
  const meter: Meter = meterProvider.getMeter(SERVICE_NAME, SERVICE_VERSION);
  const stopRuntimeMetrics = registerRuntimeMetrics(meter);

  return {
    mode: "sdk",
    logger,
    resource,
    async shutdown(timeoutMs: number): Promise<ShutdownReport> {
      stopRetrying.abort();
      const deadline = new Promise<false>((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        Deno.unrefTimer(timer);
      });
      const flush = async (): Promise<true> => {
        // Spans and logs first: their processors record drops on the meter
        // provider, whose shutdown then exports the last interval.
        await Promise.allSettled([tracerProvider.shutdown(), loggerProvider.shutdown()]);
        // The final collection still reads the runtime instruments.
        await meterProvider.shutdown().catch(() => {});
        stopRuntimeMetrics();
        return true;
      };
      const completed = await Promise.race([flush(), deadline]);
      const health: Partial<Record<Signal, Readonly<SignalHealth>>> = {};
      for (const signal of SIGNALS) health[signal] = { ...monitor.health(signal) };
      return { completed, budgetMs: timeoutMs, health };
    },
  };
}

function countPoints(batch: ResourceMetrics): number {
  let points = 0;
  for (const scope of batch.scopeMetrics) {
    for (const metric of scope.metrics) points += metric.dataPoints.length;
  }
  return points;
}

function isProxy(provider: ApiTracerProvider): boolean {
  return provider.constructor.name === "ProxyTracerProvider";
}

function isNoop(provider: ApiMeterProvider): boolean {
  return provider.constructor.name === "NoopMeterProvider";
}
