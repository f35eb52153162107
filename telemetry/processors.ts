/**
 * Chooses the span and log record processors of each signal:
 *
 * - OTLP with `http/protobuf` (the default): the project's encoding
 *   processor, which encodes each item as it ends (encoding_processor.ts);
 * - OTLP with `http/json`, or the console: the SDK's batch processor around
 *   the exporter exporters.ts chooses;
 * - `none`: no processor.
 *
 * Either way a counting processor comes first, so the shutdown report can
 * tell items the bounded queue refused from items delivered, and every
 * export goes through the {@linkcode ExportMonitor}.
 *
 * @module
 */
import { type MeterProvider, TraceFlags } from "@opentelemetry/api";
import { BatchLogRecordProcessor, type LogRecordProcessor } from "@opentelemetry/sdk-logs";
import {
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";
import type { BatchConfig, SignalConfig } from "./config.ts";
import { encodingLogRecordProcessor, encodingSpanProcessor } from "./encoding_processor.ts";
import type { ExportMonitor } from "./export_health.ts";
import {
  createLogRecordExporter,
  createSpanExporter,
  type ExporterOptions,
  otlpOptions,
} from "./exporters.ts";
import { createFetchEncodedExporter } from "./fetch_transport.ts";
import type { EncodedBatch } from "./otlp/envelope.ts";

/** What every signal's processors are built from. */
export interface ProcessorOptions {
  readonly monitor: ExportMonitor;
  /** Where the processors report `otel.sdk.processor.*`. */
  readonly meterProvider: MeterProvider;
  readonly exporterOptions: ExporterOptions;
}

/** The span processors for `config`: none when traces are not exported. */
export function createSpanProcessors(
  config: SignalConfig,
  batch: BatchConfig,
  options: ProcessorOptions,
): SpanProcessor[] {
  const { monitor } = options;
  const counting = countingProcessor(monitor.recorder("traces"));
  const url = config.endpoint.value;
  if (encodes(config)) {
    const exporter = createFetchEncodedExporter("traces", {
      ...otlpOptions(config),
      ...options.exporterOptions,
    });
    return [
      counting,
      encodingSpanProcessor({
        ...batch,
        exporter: monitor.watch("traces", url, exporter, batchCount),
        selfObsMeterProvider: options.meterProvider,
      }),
    ];
  }
  const exporter = createSpanExporter(config, options.exporterOptions);
  if (exporter === undefined) return [];
  return [
    counting,
    new BatchSpanProcessor({
      exporter: monitor.watch("traces", url, exporter, length),
      ...batch,
      selfObsMeterProvider: options.meterProvider,
    }),
  ];
}

/** The log record processors for `config`: none when logs are not exported. */
export function createLogRecordProcessors(
  config: SignalConfig,
  batch: BatchConfig,
  options: ProcessorOptions,
): LogRecordProcessor[] {
  const { monitor } = options;
  const counting = countingProcessor(monitor.recorder("logs"));
  const url = config.endpoint.value;
  if (encodes(config)) {
    const exporter = createFetchEncodedExporter("logs", {
      ...otlpOptions(config),
      ...options.exporterOptions,
    });
    return [
      counting,
      encodingLogRecordProcessor({
        ...batch,
        exporter: monitor.watch("logs", url, exporter, batchCount),
        selfObsMeterProvider: options.meterProvider,
      }),
    ];
  }
  const exporter = createLogRecordExporter(config, options.exporterOptions);
  if (exporter === undefined) return [];
  return [
    counting,
    new BatchLogRecordProcessor({
      exporter: monitor.watch("logs", url, exporter, length),
      ...batch,
      selfObsMeterProvider: options.meterProvider,
    }),
  ];
}

/** Whether `config` exports OTLP protobuf, which the encoding processor writes itself. */
function encodes(config: SignalConfig): boolean {
  return config.exporter.value === "otlp" && config.protocol.value === "http/protobuf";
}

/**
 * A span and log record processor that only counts: sampled spans as they
 * end (the batch processors drop unsampled ones too), every log record.
 */
function countingProcessor(count: () => void): SpanProcessor & LogRecordProcessor {
  return {
    onStart: () => {},
    onEnd: (span: ReadableSpan) => {
      if (span.spanContext().traceFlags & TraceFlags.SAMPLED) count();
    },
    onEmit: () => count(),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

function length(items: readonly unknown[]): number {
  return items.length;
}

function batchCount(batch: EncodedBatch): number {
  return batch.count;
}
