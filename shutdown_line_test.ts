import assert from "node:assert/strict";
import {
  DROPPED_NO_ANSWER,
  DROPPED_NOT_ACCEPTED,
  DROPPED_QUEUE_FULL,
  FLUSHED,
  shutdownAttributes,
  shutdownLine,
} from "./shutdown_line.ts";
import type { SignalHealth } from "./telemetry/export_health.ts";

function health(overrides: Partial<SignalHealth> = {}): SignalHealth {
  return {
    exported: 3,
    failedExports: 0,
    droppedItems: 0,
    pendingItems: 0,
    recordedItems: 100,
    deliveredItems: 100,
    failing: false,
    lastError: undefined,
    ...overrides,
  };
}

const METRICS = health({ recordedItems: 0, deliveredItems: 0 });

Deno.test("the shutdown line counts per signal what was recorded, delivered, lost and still in flight", () => {
  const traces = health({
    failedExports: 1,
    droppedItems: 10,
    pendingItems: 2,
    deliveredItems: 88,
  });
  assert.deepEqual(
    shutdownAttributes({ completed: true, budgetMs: 5000, health: { traces, metrics: traces } }),
    {
      "otel.traces.failed_exports": 1,
      "otel.traces.dropped_items": 10,
      "otel.traces.undelivered_items": 2,
      "otel.traces.recorded_items": 100,
      "otel.traces.delivered_items": 88,
      "otel.metrics.failed_exports": 1,
      "otel.metrics.dropped_items": 10,
      "otel.metrics.undelivered_items": 2,
    },
  );
});

Deno.test("shutdownLine() says what was dropped and why", async (t) => {
  await t.step("everything delivered: an INFO line, no reason", () => {
    const line = shutdownLine({
      completed: true,
      budgetMs: 5000,
      health: { traces: health(), logs: health(), metrics: METRICS },
    });
    assert.equal(line.level, "info");
    assert.equal(line.message, FLUSHED);
    assert.equal(line.attributes["otel.shutdown.reason"], undefined);
  });

  await t.step("telemetry disabled (no counters): flushed", () => {
    const line = shutdownLine({ completed: true, budgetMs: 5000, health: {} });
    assert.equal(line.message, FLUSHED);
  });

  await t.step("the collector is down: a warning quoting the export error", () => {
    const refused = health({
      deliveredItems: 0,
      failedExports: 2,
      droppedItems: 100,
      failing: true,
      lastError: "error sending request: Connection refused",
    });
    const line = shutdownLine({
      completed: true,
      budgetMs: 5000,
      health: { traces: refused, logs: refused, metrics: METRICS },
    });
    assert.equal(line.level, "warn");
    assert.equal(line.message, DROPPED_NOT_ACCEPTED);
    assert.equal(
      line.attributes["otel.shutdown.reason"],
      "traces export failed: error sending request: Connection refused",
    );
    assert.equal(line.attributes["otel.traces.dropped_items"], 100);
  });

  await t.step("an export still unanswered at the deadline: the budget is named", () => {
    const held = health({ deliveredItems: 0, pendingItems: 100 });
    const line = shutdownLine({
      completed: false,
      budgetMs: 2000,
      health: { traces: held, logs: health(), metrics: METRICS },
    });
    assert.equal(line.level, "warn");
    assert.equal(line.message, DROPPED_NO_ANSWER);
    assert.match(String(line.attributes["otel.shutdown.reason"]), /budget of 2000 ms/);
  });

  await t.step("an unanswered export at the deadline wins over an earlier failure", () => {
    const line = shutdownLine({
      completed: false,
      budgetMs: 2000,
      health: {
        traces: health({
          deliveredItems: 0,
          pendingItems: 100,
          failing: true,
          lastError: "timeout",
        }),
      },
    });
    assert.equal(line.message, DROPPED_NO_ANSWER);
    assert.match(
      String(line.attributes["otel.shutdown.reason"]),
      /before that, traces export failed: timeout$/,
    );
  });

  await t.step("only the full queue lost spans: said so, although every export succeeded", () => {
    const line = shutdownLine({
      completed: true,
      budgetMs: 5000,
      health: { traces: health({ deliveredItems: 60 }), logs: health(), metrics: METRICS },
    });
    assert.equal(line.level, "warn");
    assert.equal(line.message, DROPPED_QUEUE_FULL);
  });

  await t.step("metric points lost in a failed export count as dropped", () => {
    const line = shutdownLine({
      completed: true,
      budgetMs: 5000,
      health: {
        traces: health(),
        metrics: health({ recordedItems: 0, deliveredItems: 0, droppedItems: 14, failing: true }),
      },
    });
    assert.equal(line.message, DROPPED_NOT_ACCEPTED);
    assert.equal(line.attributes["otel.shutdown.reason"], "metrics export failed: unknown error");
  });
});
