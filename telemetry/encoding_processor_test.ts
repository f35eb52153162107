/**
 * The encoding processor behaves as the SDK's batch processors do (batches,
 * schedule delay, bounded queue, export timeout, flush, shutdown, the
 * `otel.sdk.processor.*` metrics) while sending the transformer's bytes,
 * and never exports inside the call that ended a span.
 */
import assert from "node:assert/strict";
import { type Attributes, ROOT_CONTEXT, TraceFlags } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from "@opentelemetry/sdk-logs";
import {
  type CollectionResult,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { BatchConfig } from "./config.ts";
import {
  type EncodedBatchExporter,
  encodingLogRecordProcessor,
  encodingSpanProcessor,
} from "./encoding_processor.ts";
import { assertSameBytes } from "./otlp/_assert_same_bytes.ts";
import type { EncodedBatch } from "./otlp/envelope.ts";

/** Records every batch; answers at once, or holds the answer until told. */
class RecordingExporter implements EncodedBatchExporter {
  readonly batches: EncodedBatch[] = [];
  readonly held: ((result: ExportResult) => void)[] = [];
  answer: "success" | "failure" | "hold" = "success";
  shutDown = false;
  readonly #waiting: { count: number; resolve: () => void }[] = [];

  export(batch: EncodedBatch, resultCallback: (result: ExportResult) => void): void {
    this.batches.push(batch);
    for (const waiter of this.#waiting.filter((w) => this.batches.length >= w.count)) {
      waiter.resolve();
    }
    if (this.answer === "hold") this.held.push(resultCallback);
    else if (this.answer === "failure") {
      resultCallback({ code: ExportResultCode.FAILED, error: new TypeError("refused") });
    } else resultCallback({ code: ExportResultCode.SUCCESS });
  }

  /** Resolves once `count` batches have been exported in all. */
  exported(count: number): Promise<void> {
    if (this.batches.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ count, resolve }));
  }

  /** Answers every held export with success. */
  release(): void {
    for (const callback of this.held.splice(0)) callback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    this.shutDown = true;
    return Promise.resolve();
  }
}

/** Collects on demand. */
class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The value of metric `name`'s point whose attributes include `match`, if any. */
async function metricValue(
  reader: TestReader,
  name: string,
  match: Attributes,
): Promise<number | undefined> {
  const { resourceMetrics }: CollectionResult = await reader.collect();
  return pointValue(resourceMetrics, name, match);
}

function pointValue(metrics: ResourceMetrics, name: string, match: Attributes): number | undefined {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        const attributes = point.attributes;
        const matches = Object.entries(match).every(([k, v]) => attributes[k] === v) &&
          (match["error.type"] !== undefined || attributes["error.type"] === undefined);
        if (matches && typeof point.value === "number") return point.value;
      }
    }
  }
  return undefined;
}

const resource = resourceFromAttributes({ "service.name": "encoding-processor-test" });

/** What {@linkcode setup} builds. */
interface Setup {
  readonly exporter: RecordingExporter;
  readonly reader: TestReader;
  readonly processor: SpanProcessor;
  readonly provider: TracerProvider;
  /** Starts and ends `count` spans. */
  endSpans(count: number): void;
  /** The spans ended so far, from `from` to `to`, as the SDK handed them over. */
  spans(from: number, to: number): ReadableSpan[];
}

/** A tracer provider feeding the processor under test and, first, an in-memory exporter. */
function setup(batch: Partial<BatchConfig>): Setup {
  const exporter = new RecordingExporter();
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const processor = encodingSpanProcessor({
    scheduledDelayMillis: 60_000,
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
    exportTimeoutMillis: 30_000,
    ...batch,
    exporter,
    selfObsMeterProvider: meterProvider,
  });
  const recorded = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource,
    spanProcessors: [new SimpleSpanProcessor({ exporter: recorded }), processor],
  });
  const tracer = provider.getTracer("greet-api", "0.1.0");
  const endSpans = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const span = tracer.startSpan(`span ${i}`, {}, ROOT_CONTEXT);
      span.setAttribute("app.index", i);
      span.end();
    }
  };
  const spans = (from: number, to: number): ReadableSpan[] =>
    recorded.getFinishedSpans().slice(from, to);
  return { exporter, reader, processor, provider, endSpans, spans };
}

Deno.test("encoding processor: a full batch leaves from a timer of its own, never inside the span.end() that filled it, in the transformer's bytes", async () => {
  const { exporter, provider, endSpans, spans } = setup({ maxExportBatchSize: 4 });
  endSpans(4);
  assert.equal(exporter.batches.length, 0, "nothing is exported inside span.end()");
  await exporter.exported(1);
  const [batch] = exporter.batches;
  assert.ok(batch !== undefined);
  assert.equal(batch.count, 4);
  assertSameBytes("traces", batch.bytes, ProtobufTraceSerializer.serializeRequest(spans(0, 4)));
  await provider.shutdown();
});

Deno.test("encoding processor: a partial batch leaves after the schedule delay", async () => {
  const { exporter, provider, endSpans, spans } = setup({ scheduledDelayMillis: 1 });
  endSpans(3);
  await exporter.exported(1);
  assert.equal(exporter.batches[0]?.count, 3);
  assertSameBytes(
    "traces",
    exporter.batches[0]?.bytes ?? new Uint8Array(),
    ProtobufTraceSerializer.serializeRequest(spans(0, 3)),
  );
  await provider.shutdown();
});

Deno.test("encoding processor: the bounded queue refuses what it cannot hold, and the SDK's metrics count it", async () => {
  const { exporter, reader, provider, endSpans, spans } = setup({
    maxExportBatchSize: 2,
    maxQueueSize: 4,
  });
  exporter.answer = "hold";
  endSpans(8); // two batches of two fill the queue; four are refused
  await exporter.exported(1);
  const processed = "otel.sdk.processor.span.processed";
  const type = { "otel.component.type": "batching_span_processor" };
  assert.equal(await metricValue(reader, processed, { ...type, "error.type": "queue_full" }), 4);
  assert.equal(await metricValue(reader, "otel.sdk.processor.span.queue.size", type), 2);
  assert.equal(await metricValue(reader, "otel.sdk.processor.span.queue.capacity", type), 4);
  exporter.release();
  await exporter.exported(2);
  exporter.release();
  assert.deepEqual(exporter.batches.map((b) => b.count), [2, 2]);
  assertSameBytes(
    "traces",
    exporter.batches[1]?.bytes ?? new Uint8Array(),
    ProtobufTraceSerializer.serializeRequest(spans(2, 4)),
  );
  assert.equal(await metricValue(reader, processed, type), 4);
  assert.equal(await metricValue(reader, "otel.sdk.processor.span.queue.size", type), 0);
  await provider.shutdown();
});

Deno.test("encoding processor: a failed export is counted by error type, and the next batch still goes out", async () => {
  const { exporter, reader, provider, endSpans } = setup({ maxExportBatchSize: 2 });
  exporter.answer = "failure";
  endSpans(4);
  await exporter.exported(2);
  const failed = await metricValue(reader, "otel.sdk.processor.span.processed", {
    "error.type": "TypeError",
  });
  assert.equal(failed, 4);
  await provider.shutdown();
});

Deno.test("encoding processor: an export never answered ends at the export timeout, and the next batch goes out", async () => {
  const { exporter, reader, provider, endSpans, spans } = setup({
    maxExportBatchSize: 2,
    exportTimeoutMillis: 20,
  });
  exporter.answer = "hold";
  endSpans(4);
  await exporter.exported(2);
  const timedOut = await metricValue(reader, "otel.sdk.processor.span.processed", {
    "error.type": "Error",
  });
  assert.equal(timedOut, 2, "the first batch is counted failed once its timeout passed");
  // The exporter may still be sending the first batch: its buffer is not
  // reused for a batch built after the timeout, only after the answer.
  endSpans(2);
  await exporter.exported(3);
  const [first, , third] = exporter.batches;
  assert.ok(first !== undefined && third !== undefined);
  assert.notEqual(third.bytes.buffer, first.bytes.buffer);
  assertSameBytes("traces", first.bytes, ProtobufTraceSerializer.serializeRequest(spans(0, 2)));
  exporter.release();
  await provider.shutdown();
});

Deno.test("encoding processor: a batch's bytes stay as sent until its export answers, then its buffer serves a later batch", async () => {
  const { exporter, provider, endSpans, spans } = setup({ maxExportBatchSize: 2 });
  exporter.answer = "hold";
  endSpans(2);
  await exporter.exported(1);
  const first = exporter.batches[0];
  assert.ok(first !== undefined);
  const sent = first.bytes.slice();
  endSpans(2); // built while the first export is unanswered: a buffer of its own
  exporter.release();
  await exporter.exported(2);
  const second = exporter.batches[1];
  assert.ok(second !== undefined);
  assert.deepEqual(first.bytes, sent, "the unanswered batch was not written over");
  assert.notEqual(second.bytes.buffer, first.bytes.buffer);
  assertSameBytes("traces", second.bytes, ProtobufTraceSerializer.serializeRequest(spans(2, 4)));
  endSpans(2); // built after the first export answered: its buffer again
  exporter.release();
  await exporter.exported(3);
  const third = exporter.batches[2];
  assert.ok(third !== undefined);
  assert.equal(third.bytes.buffer, first.bytes.buffer, "the answered batch's buffer is reused");
  assertSameBytes("traces", third.bytes, ProtobufTraceSerializer.serializeRequest(spans(4, 6)));
  exporter.release();
  await provider.shutdown();
});

Deno.test("encoding processor: forceFlush exports full and partial batches at once and resolves when every export is answered", async () => {
  const { exporter, processor, provider, endSpans, spans } = setup({ maxExportBatchSize: 2 });
  exporter.answer = "hold";
  endSpans(5);
  const flushed = processor.forceFlush();
  assert.deepEqual(exporter.batches.map((b) => b.count), [2, 2, 1]);
  const early = await Promise.race([flushed.then(() => "flushed"), Promise.resolve("pending")]);
  assert.equal(early, "pending", "forceFlush waits for the exports' answers");
  exporter.release();
  await flushed;
  assertSameBytes(
    "traces",
    exporter.batches[2]?.bytes ?? new Uint8Array(),
    ProtobufTraceSerializer.serializeRequest(spans(4, 5)),
  );
  await provider.shutdown();
});

Deno.test("encoding processor: shutdown flushes, then shuts the exporter down, and ignores what ends later", async () => {
  const { exporter, processor, provider, endSpans, spans } = setup({});
  endSpans(3);
  const [late] = spans(0, 1);
  assert.ok(late !== undefined);
  await provider.shutdown();
  assert.deepEqual(exporter.batches.map((b) => b.count), [3]);
  assert.ok(exporter.shutDown);
  processor.onEnd(late);
  await processor.forceFlush();
  assert.equal(exporter.batches.length, 1);
});

Deno.test("encoding processor: spans recorded but not sampled are not exported", async () => {
  const { exporter, processor, provider, endSpans, spans } = setup({});
  endSpans(2);
  const [sampled, other] = spans(0, 2);
  assert.ok(sampled !== undefined && other !== undefined);
  await processor.forceFlush();
  const unsampled: ReadableSpan = {
    ...other,
    spanContext: () => ({ ...other.spanContext(), traceFlags: TraceFlags.NONE }),
  };
  processor.onEnd(unsampled);
  await processor.forceFlush();
  assert.deepEqual(exporter.batches.map((b) => b.count), [2]);
  await provider.shutdown();
});

Deno.test("encoding processor: log records go out in the transformer's bytes", async () => {
  const exporter = new RecordingExporter();
  const recorded = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource,
    processors: [
      new SimpleLogRecordProcessor({ exporter: recorded }),
      encodingLogRecordProcessor({
        scheduledDelayMillis: 60_000,
        maxQueueSize: 2048,
        maxExportBatchSize: 512,
        exportTimeoutMillis: 30_000,
        exporter,
      }),
    ],
  });
  const logger = provider.getLogger("greet-api", "0.1.0");
  for (let i = 0; i < 3; i++) {
    logger.emit({ severityNumber: 9, body: `record ${i}`, attributes: { "app.index": i } });
  }
  await provider.forceFlush();
  assert.deepEqual(exporter.batches.map((b) => b.count), [3]);
  assertSameBytes(
    "logs",
    exporter.batches[0]?.bytes ?? new Uint8Array(),
    ProtobufLogsSerializer.serializeRequest(recorded.getFinishedLogRecords()),
  );
  await provider.shutdown();
});
