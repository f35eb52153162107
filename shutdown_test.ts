import assert from "node:assert/strict";
import { shutdownAttributes } from "./shutdown.ts";

const health = {
  exported: 3,
  failedExports: 1,
  droppedItems: 10,
  pendingItems: 2,
  recordedItems: 100,
  deliveredItems: 88,
  failing: false,
  lastError: undefined,
};

Deno.test("the shutdown line counts per signal what was recorded, delivered, lost and still in flight", () => {
  assert.deepEqual(
    shutdownAttributes({ completed: true, health: { traces: health, metrics: health } }),
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
