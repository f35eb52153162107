/**
 * Routes the OpenTelemetry SDK's own diagnostics into the service's logger,
 * rate-limited so a persistent condition is reported once a minute at most.
 *
 * @module
 */
import type { DiagLogger } from "@opentelemetry/api";
import type { Logger } from "./logger.ts";

/** Minimum time between two reports of the same diagnostic, milliseconds. */
export const DIAGNOSTIC_INTERVAL_MS = 60_000;

/** A function that reports `message` unless the same kind was reported recently. */
export type RateLimitedReport = (message: string) => void;

/**
 * Returns a reporter that passes a message on at most once per
 * `intervalMs` for each message shape (digits ignored, so "Dropped 12 spans"
 * and "Dropped 40 spans" count as one).
 */
export function rateLimited(
  report: (message: string, suppressed: number) => void,
  intervalMs: number = DIAGNOSTIC_INTERVAL_MS,
  now: () => number = Date.now,
): RateLimitedReport {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (message) => {
    const key = message.replace(/\d+/g, "#").slice(0, 120);
    const seen = last.get(key);
    const time = now();
    if (seen && time - seen.at < intervalMs) {
      seen.suppressed++;
      return;
    }
    last.set(key, { at: time, suppressed: 0 });
    report(message, seen?.suppressed ?? 0);
  };
}

/** A diag logger for `diag.setLogger`: errors and warnings become WARN records. */
export function createDiagLogger(logger: Logger): DiagLogger {
  const warn = rateLimited((message, suppressed) =>
    logger.warn("OpenTelemetry SDK diagnostic", {
      "otel.diagnostic": message,
      "otel.diagnostic.suppressed": suppressed,
    })
  );
  const debug = (message: string, ...args: unknown[]): void =>
    logger.debug("OpenTelemetry SDK diagnostic", { "otel.diagnostic": join(message, args) });
  return {
    error: (message, ...args) => warn(join(message, args)),
    warn: (message, ...args) => warn(join(message, args)),
    info: debug,
    debug,
    verbose: () => {},
  };
}

function join(message: string, args: unknown[]): string {
  if (args.length === 0) return message;
  return `${message} ${
    args.map((arg) => (arg instanceof Error ? arg.message : String(arg))).join(" ")
  }`;
}
