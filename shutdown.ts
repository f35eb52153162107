/**
 * The graceful shutdown sequence: on SIGINT or SIGTERM, stop being ready,
 * drain in-flight requests, flush telemetry, and report what was delivered,
 * all within one time budget.
 *
 * @module
 */
import type { Readiness } from "./routes/health.ts";
import type { Logger } from "./telemetry/logger.ts";
import type { ShutdownReport, Telemetry } from "./telemetry/sdk.ts";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** What {@linkcode waitForShutdown} stops. */
export interface ShutdownOptions {
  readonly server: Deno.HttpServer;
  readonly telemetry: Pick<Telemetry, "shutdown">;
  readonly logger: Logger;
  readonly readiness: Readiness;
  /** The whole sequence's budget, milliseconds (`SHUTDOWN_TIMEOUT_MS`). */
  readonly budgetMs: number;
}

/**
 * Resolves once a signal has arrived and the sequence has run, even if a
 * request never finishes; the signal listeners are removed by then.
 */
export async function waitForShutdown(options: ShutdownOptions): Promise<void> {
  const { server, telemetry, logger, readiness, budgetMs } = options;
  const done = Promise.withResolvers<void>();
  let started = false;
  const listeners = SIGNALS.map((signal) => {
    const listener = (): void => {
      if (started) return;
      started = true;
      run(signal).finally(() => {
        logger.flush();
        done.resolve();
      });
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });

  async function run(signal: string): Promise<void> {
    const begin = performance.now();
    readiness.ready = false;
    logger.info("shutting down", { "signal.name": signal });
    // Finish what is in flight, then flush what those requests recorded.
    await Promise.race([server.shutdown(), delay(budgetMs)]);
    const remaining = Math.max(budgetMs - (performance.now() - begin), 100);
    const report = await telemetry.shutdown(remaining);
    // The logs pipeline is closed now: this line goes to stdout only.
    logger.info(report.completed ? "telemetry flushed" : "telemetry flush timed out", {
      "shutdown.duration_ms": Math.round(performance.now() - begin),
      ...shutdownAttributes(report),
    });
  }

  await done.promise;
  for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
}

/** The delivery counters of a shutdown report, as log attributes per signal. */
export function shutdownAttributes(report: ShutdownReport): Record<string, number> {
  const attributes: Record<string, number> = {};
  for (const [signal, health] of Object.entries(report.health)) {
    attributes[`otel.${signal}.failed_exports`] = health.failedExports;
    attributes[`otel.${signal}.dropped_items`] = health.droppedItems;
    attributes[`otel.${signal}.undelivered_items`] = health.pendingItems;
    // Spans and log records: recorded minus delivered is everything lost,
    // the full queue's refusals included.
    if (signal !== "metrics") {
      attributes[`otel.${signal}.recorded_items`] = health.recordedItems;
      attributes[`otel.${signal}.delivered_items`] = health.deliveredItems;
    }
  }
  return attributes;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    Deno.unrefTimer(timer);
  });
}
