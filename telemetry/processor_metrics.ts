/**
 * The self-observability metrics of a batching processor, under the names and
 * attributes the OpenTelemetry JS 3.1 batch processors report them
 * (`otel.sdk.processor.{span,log}.processed`, `.queue.capacity`,
 * `.queue.size`), so dashboards and alerts read the same series whichever
 * processor the service runs.
 *
 * @module
 */
import type { Attributes, Meter, ObservableResult } from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";
import {
  ATTR_OTEL_COMPONENT_NAME,
  ATTR_OTEL_COMPONENT_TYPE,
  METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED,
  METRIC_OTEL_SDK_PROCESSOR_LOG_QUEUE_CAPACITY,
  METRIC_OTEL_SDK_PROCESSOR_LOG_QUEUE_SIZE,
  METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED,
  METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_CAPACITY,
  METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_SIZE,
  OTEL_COMPONENT_TYPE_VALUE_BATCHING_LOG_PROCESSOR,
  OTEL_COMPONENT_TYPE_VALUE_BATCHING_SPAN_PROCESSOR,
} from "./semconv.ts";

/** What a processor handles: spans or log records. */
export type ProcessorItem = "span" | "log";

const NAMES = {
  span: {
    type: OTEL_COMPONENT_TYPE_VALUE_BATCHING_SPAN_PROCESSOR,
    processed: METRIC_OTEL_SDK_PROCESSOR_SPAN_PROCESSED,
    capacity: METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_CAPACITY,
    size: METRIC_OTEL_SDK_PROCESSOR_SPAN_QUEUE_SIZE,
    unit: "{span}",
  },
  log: {
    type: OTEL_COMPONENT_TYPE_VALUE_BATCHING_LOG_PROCESSOR,
    processed: METRIC_OTEL_SDK_PROCESSOR_LOG_PROCESSED,
    capacity: METRIC_OTEL_SDK_PROCESSOR_LOG_QUEUE_CAPACITY,
    size: METRIC_OTEL_SDK_PROCESSOR_LOG_QUEUE_SIZE,
    unit: "{log_record}",
  },
} as const;

/** Instances created so far per component type: each gets `<type>/<n>` as its name. */
const instances = new Map<string, number>();

/** Counts what one processor finished, dropped and holds. */
export class ProcessorMetrics {
  readonly #processed;
  readonly #standard: Attributes;
  readonly #queueFull: Attributes;
  readonly #failed = new Map<string, Attributes>();
  readonly #observe: (result: ObservableResult) => void;
  readonly #size;

  /** Reports on `meter` for a queue of `capacity` items whose length `queueSize` returns. */
  constructor(item: ProcessorItem, meter: Meter, capacity: number, queueSize: () => number) {
    const names = NAMES[item];
    const n = instances.get(names.type) ?? 0;
    instances.set(names.type, n + 1);
    this.#standard = {
      [ATTR_OTEL_COMPONENT_TYPE]: names.type,
      [ATTR_OTEL_COMPONENT_NAME]: `${names.type}/${n}`,
    };
    this.#queueFull = { ...this.#standard, [ATTR_ERROR_TYPE]: "queue_full" };
    this.#processed = meter.createCounter(names.processed, {
      unit: names.unit,
      description:
        `The number of ${item}s for which the processing has finished, either successful or failed.`,
    });
    meter.createUpDownCounter(names.capacity, {
      unit: names.unit,
      description: `The maximum number of ${item}s the queue of this processor can hold.`,
    }).add(capacity, this.#standard);
    this.#size = meter.createObservableUpDownCounter(names.size, {
      unit: names.unit,
      description: `The number of ${item}s in the queue of this processor.`,
    });
    this.#observe = (result) => result.observe(queueSize(), this.#standard);
    this.#size.addCallback(this.#observe);
  }

  /** `count` items the full queue refused. */
  dropped(count: number): void {
    this.#processed.add(count, this.#queueFull);
  }

  /** `count` items whose export ended, with the error's name if it failed. */
  finished(count: number, error: Error | undefined): void {
    if (error === undefined) {
      this.#processed.add(count, this.#standard);
      return;
    }
    let attributes = this.#failed.get(error.name);
    if (attributes === undefined) {
      attributes = { ...this.#standard, [ATTR_ERROR_TYPE]: error.name };
      this.#failed.set(error.name, attributes);
    }
    this.#processed.add(count, attributes);
  }

  /** Stops observing the queue. */
  shutdown(): void {
    this.#size.removeCallback(this.#observe);
  }
}
