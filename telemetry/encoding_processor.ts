/**
 * A batching span and log record processor that encodes each item into the
 * OTLP request the moment the SDK hands it over, in place of the SDK's
 * `BatchSpanProcessor` and `BatchLogRecordProcessor` when the protocol is
 * `http/protobuf`.
 *
 * Why not the SDK's: those keep every span and log record object until the
 * batch is full, then encode all 512 at once, inside the `span.end()` or
 * `logger.emit()` of the request that filled the batch, before its response
 * goes out. Measured at 1,000 requests/s: each full batch held the event loop
 * for 1.5-2.5 ms (spans) and 1-6 ms (log records), both on the same request,
 * which set the service's p99; and the objects waiting for their batch
 * outlived young-generation collections. Here each item is written into a
 * growing buffer as it ends and can be collected at once; a full batch only
 * has its envelope written around those bytes, on a timer of its own (never
 * inside a request), and goes to the OTLP exporter as bytes, in a buffer
 * that is reused once that export has answered.
 *
 * Otherwise it behaves as the SDK's batch processors do, with the same
 * settings (`OTEL_BSP_*`, `OTEL_BLRP_*`): sampled spans only, a bounded queue
 * whose refusals are counted, a batch exported when full or after the
 * schedule delay, one scheduled export at a time, an export timeout, and
 * everything flushed on `forceFlush` and `shutdown`; it reports the same
 * `otel.sdk.processor.*` metrics.
 *
 * The resource must have its attributes already (`resource.ts` detects them
 * synchronously): an item is encoded when it ends, not after the resource's
 * asynchronous attributes settle.
 *
 * @module
 */
import { type Context, type MeterProvider, TraceFlags } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode, globalErrorHandler } from "@opentelemetry/core";
import type {
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from "@opentelemetry/sdk-logs";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";
import type { BatchConfig } from "./config.ts";
import type { CallbackExporter } from "./export_health.ts";
import {
  type EncodedBatch,
  type ItemWriter,
  type LentRequest,
  RequestBuilder,
  type Scoped,
} from "./otlp/envelope.ts";
import { writeLogRecord } from "./otlp/logs_encoder.ts";
import { writeSpan } from "./otlp/trace_encoder.ts";
import { type ProcessorItem, ProcessorMetrics } from "./processor_metrics.ts";

/** The exporter a processor sends its batches to. */
export interface EncodedBatchExporter extends CallbackExporter<EncodedBatch> {
  shutdown(): Promise<void>;
}

/** A batch whose bytes are lent by the builder until its export answers. */
type LentBatch = EncodedBatch & LentRequest;

/** Options of {@linkcode EncodingBatchProcessor}. */
export interface EncodingProcessorOptions<T> extends BatchConfig {
  readonly item: ProcessorItem;
  readonly writeItem: ItemWriter<T>;
  readonly exporter: EncodedBatchExporter;
  /** Where the `otel.sdk.processor.*` metrics go; none when absent. */
  readonly selfObsMeterProvider?: MeterProvider;
}

/** Batches items as encoded bytes and exports them: see the module documentation. */
export class EncodingBatchProcessor<T extends Scoped> {
  readonly #builder: RequestBuilder<T>;
  readonly #exporter: EncodedBatchExporter;
  readonly #config: BatchConfig;
  readonly #metrics: ProcessorMetrics | undefined;
  /** Full batches waiting for their export, oldest first. */
  readonly #ready: LentBatch[] = [];
  /** Items waiting: in `#ready` and in the batch being built. */
  #queued = 0;
  /** Whether the scheduled export (full batch or delay) is running. */
  #exporting = false;
  /** Every export not yet ended, scheduled or flushed. */
  readonly #inFlight = new Set<Promise<void>>();
  #delayTimer: ReturnType<typeof setTimeout> | undefined;
  #soonTimer: ReturnType<typeof setTimeout> | undefined;
  #shutdown: Promise<void> | undefined;

  constructor(options: EncodingProcessorOptions<T>) {
    this.#builder = new RequestBuilder(options.writeItem);
    this.#exporter = options.exporter;
    this.#config = {
      scheduledDelayMillis: options.scheduledDelayMillis,
      maxQueueSize: options.maxQueueSize,
      maxExportBatchSize: Math.min(options.maxExportBatchSize, options.maxQueueSize),
      exportTimeoutMillis: options.exportTimeoutMillis,
    };
    this.#metrics = options.selfObsMeterProvider === undefined ? undefined : new ProcessorMetrics(
      options.item,
      options.selfObsMeterProvider.getMeter("greet-api/encoding-processor"),
      this.#config.maxQueueSize,
      () => this.#queued,
    );
  }

  /** Encodes `item` into the current batch, or counts it dropped when the queue is full. */
  add(item: T): void {
    if (this.#shutdown !== undefined) return;
    if (this.#queued >= this.#config.maxQueueSize) {
      this.#metrics?.dropped(1);
      return;
    }
    try {
      this.#builder.add(item);
    } catch (error: unknown) {
      // An item the encoder cannot write is lost, never the request that recorded it.
      globalErrorHandler(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.#queued++;
    if (this.#builder.count >= this.#config.maxExportBatchSize) {
      this.#seal();
      this.#exportSoon();
    } else if (!this.#exporting) {
      this.#startDelay();
    }
  }

  /** Exports everything queued and waits for every export started so far. */
  async forceFlush(): Promise<void> {
    this.#seal();
    for (const batch of this.#ready.splice(0)) this.#send(batch);
    await Promise.all(this.#inFlight);
  }

  /** Flushes, then shuts the exporter down; later items are ignored. Idempotent. */
  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      clearTimeout(this.#delayTimer);
      clearTimeout(this.#soonTimer);
      await this.forceFlush();
      this.#metrics?.shutdown();
      await this.#exporter.shutdown();
    })();
    return this.#shutdown;
  }

  /** Moves the batch being built, if any, to the ready queue. */
  #seal(): void {
    const count = this.#builder.count;
    if (count > 0) this.#ready.push({ ...this.#builder.lend(), count });
  }

  /** Exports the batch being built after the schedule delay, unless a timer is set already. */
  #startDelay(): void {
    if (this.#delayTimer !== undefined) return;
    this.#delayTimer = setTimeout(() => {
      this.#delayTimer = undefined;
      this.#exportNext();
    }, this.#config.scheduledDelayMillis);
  }

  /** Starts the next export from a timer of its own: never inside the caller's request. */
  #exportSoon(): void {
    if (this.#exporting || this.#soonTimer !== undefined) return;
    this.#soonTimer = setTimeout(() => {
      this.#soonTimer = undefined;
      this.#exportNext();
    }, 0);
  }

  /** Exports the oldest full batch, or the partial one, unless an export is running. */
  #exportNext(): void {
    if (this.#exporting) return;
    clearTimeout(this.#delayTimer);
    this.#delayTimer = undefined;
    if (this.#ready.length === 0) this.#seal();
    const batch = this.#ready.shift();
    if (batch === undefined) return;
    this.#exporting = true;
    this.#send(batch).then(() => {
      this.#exporting = false;
      if (this.#shutdown !== undefined) return;
      if (this.#ready.length > 0 || this.#builder.count >= this.#config.maxExportBatchSize) {
        this.#exportSoon();
      } else if (this.#builder.count > 0) {
        this.#startDelay();
      }
    });
  }

  /** Hands `batch` to the exporter; settles when it answers or the export timeout passes. */
  #send(batch: LentBatch): Promise<void> {
    this.#queued -= batch.count;
    const done = new Promise<void>((resolve) => {
      let settled = false;
      const finish = (error: Error | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#metrics?.finished(batch.count, error);
        if (error !== undefined) globalErrorHandler(error);
        resolve();
      };
      const timer = setTimeout(
        () => finish(new Error("Timeout")),
        this.#config.exportTimeoutMillis,
      );
      try {
        this.#exporter.export(batch, (result: ExportResult) => {
          // Only now is nothing reading the bytes (retries included); an
          // export that timed out above still holds them until it answers.
          batch.release();
          finish(
            result.code === ExportResultCode.SUCCESS
              ? undefined
              : result.error ?? new Error("OTLP export failed"),
          );
        });
      } catch (error: unknown) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
    this.#inFlight.add(done);
    done.finally(() => this.#inFlight.delete(done));
    return done;
  }
}

/** The SDK span processor over an {@linkcode EncodingBatchProcessor}: sampled spans only. */
export function encodingSpanProcessor(
  options: Omit<EncodingProcessorOptions<ReadableSpan>, "item" | "writeItem">,
): SpanProcessor {
  const batch = new EncodingBatchProcessor<ReadableSpan>({
    ...options,
    item: "span",
    writeItem: writeSpan,
  });
  return {
    onStart(_span: Span, _parentContext: Context): void {},
    onEnd(span: ReadableSpan): void {
      if (span.spanContext().traceFlags & TraceFlags.SAMPLED) batch.add(span);
    },
    forceFlush: () => batch.forceFlush(),
    shutdown: () => batch.shutdown(),
  };
}

/** The SDK log record processor over an {@linkcode EncodingBatchProcessor}. */
export function encodingLogRecordProcessor(
  options: Omit<EncodingProcessorOptions<ReadableLogRecord>, "item" | "writeItem">,
): LogRecordProcessor {
  const batch = new EncodingBatchProcessor<ReadableLogRecord>({
    ...options,
    item: "log",
    writeItem: writeLogRecord,
  });
  return {
    onEmit(record: ReadWriteLogRecord): void {
      batch.add(record);
    },
    forceFlush: () => batch.forceFlush(),
    shutdown: () => batch.shutdown(),
  };
}
