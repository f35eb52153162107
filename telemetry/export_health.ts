/**
 * Watches the exporters' results so that an unreachable collector produces
 * one warning per signal per outage (and one notice per signal when it
 * recovers) instead of silence or a flood, and counts what was dropped.
 *
 * @module
 */
import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { Signal } from "./config.ts";
import type { Logger } from "./logger.ts";

/** Anything with the SDK exporters' `export(items, callback)` shape. */
export interface CallbackExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
}

/** Delivery counters of one signal. */
export interface SignalHealth {
  /** Exports that succeeded. */
  exported: number;
  /** Exports that failed after the exporter's own retries. */
  failedExports: number;
  /** Items (spans, log records, metric data points) in failed exports: lost. */
  droppedItems: number;
  /** Items handed to the exporter whose export has not finished yet. */
  pendingItems: number;
  /**
   * Spans or log records the service recorded (given to the batch processor);
   * zero for metrics. Those neither delivered, dropped nor pending were
   * refused by the full queue or were still queued at shutdown.
   */
  recordedItems: number;
  /** Items in exports that succeeded. */
  deliveredItems: number;
  /** Whether the latest export failed. */
  failing: boolean;
  /** The latest failure's message. */
  lastError: string | undefined;
}

/**
 * Which exports of a signal came first. Exports can overlap (a metrics
 * interval shorter than the export timeout, a retried batch beside a new
 * one), so results can arrive out of order; only the order in which the
 * exports started says whether a result is news.
 */
interface ExportOrder {
  /** Exports started so far; each export's number is its place in this count. */
  started: number;
  /** The latest-started export that succeeded. */
  lastSuccess: number;
  /** The export whose failure began the current outage. */
  outageStart: number;
}

/** What the monitor keeps per signal: the counters it reports and the order it judges by. */
interface SignalState {
  readonly health: SignalHealth;
  readonly order: ExportOrder;
}

/** Tracks export results per signal and logs state changes. */
export class ExportMonitor {
  readonly #logger: Logger;
  readonly #signals = new Map<Signal, SignalState>();

  /** Reports outages and recoveries through `logger`. */
  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Returns a function counting one span or log record given to `signal`'s batch processor. */
  recorder(signal: Signal): () => void {
    const { health } = this.#state(signal);
    return () => {
      health.recordedItems++;
    };
  }

  /** Counters for `signal` (all zero before its first export). */
  health(signal: Signal): Readonly<SignalHealth> {
    return this.#state(signal).health;
  }

  /**
   * Wraps `exporter.export` in place so every result is counted.
   * `count` says how many items a batch holds.
   */
  watch<T, E extends CallbackExporter<T>>(
    signal: Signal,
    endpoint: string,
    exporter: E,
    count: (items: T) => number,
  ): E {
    const original = exporter.export.bind(exporter);
    exporter.export = (items: T, resultCallback: (result: ExportResult) => void): void => {
      const size = count(items);
      const state = this.#state(signal);
      const sequence = ++state.order.started;
      state.health.pendingItems += size;
      original(items, (result) => {
        state.health.pendingItems -= size;
        this.#record(signal, state, endpoint, result, size, sequence);
        resultCallback(result);
      });
    };
    return exporter;
  }

  #state(signal: Signal): SignalState {
    let state = this.#signals.get(signal);
    if (!state) {
      state = {
        health: {
          exported: 0,
          failedExports: 0,
          droppedItems: 0,
          pendingItems: 0,
          recordedItems: 0,
          deliveredItems: 0,
          failing: false,
          lastError: undefined,
        },
        order: { started: 0, lastSuccess: 0, outageStart: 0 },
      };
      this.#signals.set(signal, state);
    }
    return state;
  }

  #record(
    signal: Signal,
    { health: state, order }: SignalState,
    endpoint: string,
    result: ExportResult,
    items: number,
    sequence: number,
  ): void {
    if (result.code === ExportResultCode.SUCCESS) {
      state.exported++;
      state.deliveredItems += items;
      order.lastSuccess = Math.max(order.lastSuccess, sequence);
      // An export that started before the outage's first failure says
      // nothing about whether the endpoint is back.
      if (state.failing && sequence > order.outageStart) {
        state.failing = false;
        this.#logger.info("OTLP export recovered", {
          "otel.signal": signal,
          "url.full": endpoint,
          "otel.export.failed_exports": state.failedExports,
          "otel.export.dropped_items": state.droppedItems,
        });
      }
      return;
    }
    state.failedExports++;
    state.droppedItems += items;
    state.lastError = result.error?.message ?? "unknown error";
    // A failure of an export older than the latest success is not an outage:
    // the endpoint has answered since.
    if (!state.failing && sequence > order.lastSuccess) {
      state.failing = true;
      order.outageStart = sequence;
      this.#logger.warn(
        "OTLP export failing: this signal is dropped until the endpoint answers (one warning per signal per outage)",
        {
          "otel.signal": signal,
          "url.full": endpoint,
          "error.message": state.lastError,
        },
      );
    }
  }
}
