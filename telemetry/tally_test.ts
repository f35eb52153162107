import assert from "node:assert/strict";
import { createTallySet } from "./tally.ts";
import { createInMemoryTelemetry } from "../testing/in_memory_telemetry.ts";

Deno.test("tallies are exported as cumulative sums per attribute set", async () => {
  const telemetry = createInMemoryTelemetry();
  try {
    const set = createTallySet(telemetry.meter.createObservableUpDownCounter("in.flight"));
    const get = set.for({ "http.request.method": "GET" });
    const post = set.for({ "http.request.method": "POST" });
    get.add(1);
    get.add(1);
    post.add(1);
    get.add(-1);
    const first = (await telemetry.metrics()).get("in.flight");
    assert.deepEqual(first?.dataPoints.map((p) => [p.attributes, p.value]), [
      [{ "http.request.method": "GET" }, 1],
      [{ "http.request.method": "POST" }, 1],
    ]);
    post.add(-1);
    const second = (await telemetry.metrics()).get("in.flight");
    assert.deepEqual(second?.dataPoints.map((p) => p.value), [1, 0]);
  } finally {
    await telemetry.shutdown();
  }
});
