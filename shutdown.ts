/**
 * The graceful shutdown sequence: on SIGINT or SIGTERM, stop being ready,
 * keep serving through the drain period, finish in-flight requests, flush
 * telemetry, and report what was delivered, all within one time budget.
 *
 * @module
 */
import type { Readiness } from "./routes/health.ts";
import { shutdownLine } from "./shutdown_line.ts";
import type { Logger } from "./telemetry/logger.ts";
import type { Telemetry } from "./telemetry/sdk.ts";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/** What {@linkcode waitForShutdown} stops. */
export interface ShutdownOptions {
  readonly server: Deno.HttpServer;
  readonly telemetry: Pick<Telemetry, "shutdown">;
  readonly logger: Logger;
  readonly readiness: Readiness;
  /** Budget for finishing requests and flushing telemetry, milliseconds (`SHUTDOWN_TIMEOUT_MS`). */
  readonly budgetMs: number;
  /**
   * How long to keep serving, with `/readyz` answering 503, before the
   * listener closes (`SHUTDOWN_DRAIN_MS`); a second signal ends it early.
   */
  readonly drainMs?: number;
}

/**
 * Resolves once a signal has arrived and the sequence has run, even if a
 * request never finishes; the signal listeners are removed by then.
 */
export async function waitForShutdown(options: ShutdownOptions): Promise<void> {
  const { server, telemetry, logger, readiness, budgetMs } = options;
  const drainMs = options.drainMs ?? 0;
  const done = Promise.withResolvers<void>();
  const again = Promise.withResolvers<void>();
  let started = false;
  const listeners = SIGNALS.map((signal) => {
    const listener = (): void => {
      if (started) {
        // A second Ctrl-C or SIGTERM: stop draining, go on with the exit.
        again.resolve();
        return;
      }
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
    logger.info("shutting down", { "signal.name": signal, "shutdown.drain_ms": drainMs });
    // Load balancers see /readyz go 503 and move traffic away meanwhile;
    // whatever still arrives is served as usual.
    if (drainMs > 0) await Promise.race([delay(drainMs), again.promise]);
    const closing = performance.now();
    // Finish what is in flight, then flush what those requests recorded.
    await Promise.race([server.shutdown(), delay(budgetMs)]);
    const remaining = Math.max(Math.round(budgetMs - (performance.now() - closing)), 100);
    const line = shutdownLine(await telemetry.shutdown(remaining));
    // The logs pipeline is closed now: this line goes to stdout only.
    logger[line.level](line.message, {
      "shutdown.duration_ms": Math.round(performance.now() - begin),
      ...line.attributes,
    });
  }

  await done.promise;
  for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    Deno.unrefTimer(timer);
  });
}
