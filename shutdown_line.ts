/**
 * The last line the service writes: what the shutdown delivered, what it
 * dropped and why, from the telemetry's shutdown report.
 *
 * @module
 */
import type { Signal } from "./telemetry/config.ts";
import type { ShutdownReport } from "./telemetry/sdk.ts";

/** Message of the line when everything recorded reached the collector. */
export const FLUSHED = "telemetry flushed";
/** Message when an export failed: the collector was down or refused the data. */
export const DROPPED_NOT_ACCEPTED =
  "telemetry dropped at shutdown: the collector did not accept it";
/** Message when the collector was still busy with an export at the deadline. */
export const DROPPED_NO_ANSWER =
  "telemetry dropped at shutdown: the collector did not answer in time";
/** Message when the only losses were refusals of a full export queue earlier on. */
export const DROPPED_QUEUE_FULL = "telemetry dropped at shutdown: the export queue had been full";

/** The shutdown line: its level, constant message and attributes. */
export interface ShutdownLine {
  readonly level: "info" | "warn";
  readonly message: string;
  readonly attributes: Readonly<Record<string, string | number>>;
}

/**
 * Builds the shutdown line. It is a warning whenever something recorded was
 * not delivered; `otel.shutdown.reason` then says why in words a person can
 * act on, and the per-signal counters say how much.
 */
export function shutdownLine(report: ShutdownReport): ShutdownLine {
  const attributes: Record<string, string | number> = shutdownAttributes(report);
  const lost = Object.entries(report.health).some(([signal, health]) =>
    lostItems(signal, health) > 0
  );
  if (report.completed && !lost) return { level: "info", message: FLUSHED, attributes };

  const failing = (Object.entries(report.health) as [Signal, ShutdownReport["health"][Signal]][])
    .find(([, health]) => health?.failing);
  const lastError = failing
    ? `${failing[0]} export failed: ${failing[1]?.lastError ?? "unknown error"}`
    : undefined;
  let message: string;
  if (!report.completed) {
    // Exports stop retrying when shutdown begins, so only an export the
    // collector accepted but never answered can still be running here.
    message = DROPPED_NO_ANSWER;
    attributes["otel.shutdown.reason"] =
      `the collector had not answered an export when the shutdown budget of ${report.budgetMs} ms ran out` +
      (lastError ? `; before that, ${lastError}` : "");
  } else if (lastError) {
    message = DROPPED_NOT_ACCEPTED;
    attributes["otel.shutdown.reason"] = lastError;
  } else {
    message = DROPPED_QUEUE_FULL;
    attributes["otel.shutdown.reason"] =
      "the export queue refused items while the collector was slow or down; see recorded_items";
  }
  return { level: "warn", message, attributes };
}

type Health = NonNullable<ShutdownReport["health"][Signal]>;

/**
 * Items recorded and not delivered. Spans and log records are counted as
 * they are recorded, so anything missing is lost, whatever the cause (a
 * failed export, the full queue, an export still waiting for an answer);
 * metric points are counted only once they are exported.
 */
function lostItems(signal: string, health: Health): number {
  return signal === "metrics"
    ? health.droppedItems + health.pendingItems
    : Math.max(health.recordedItems - health.deliveredItems, 0);
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
