import assert from "node:assert/strict";
import {
  prometheusLabelName,
  prometheusMetricName,
  prometheusSeriesNames,
  prometheusType,
} from "./prometheus_names.ts";
import { INSTRUMENTS } from "../../telemetry/instruments.ts";

Deno.test("prometheusMetricName() follows the OTLP translation rules", async (t) => {
  await t.step("a histogram in seconds gets _seconds", () => {
    assert.equal(
      prometheusMetricName({ name: "http.server.request.duration", unit: "s", kind: "histogram" }),
      "http_server_request_duration_seconds",
    );
  });
  await t.step("a braced unit is dropped and an up-down counter gets no _total", () => {
    assert.equal(
      prometheusMetricName({
        name: "http.server.active_requests",
        unit: "{request}",
        kind: "updowncounter",
      }),
      "http_server_active_requests",
    );
  });
  await t.step("a counter gets _total after its unit", () => {
    assert.equal(
      prometheusMetricName({ name: "process.cpu.time", unit: "s", kind: "observable_counter" }),
      "process_cpu_time_seconds_total",
    );
    assert.equal(
      prometheusMetricName({ name: "app.greetings", unit: "{greeting}", kind: "counter" }),
      "app_greetings_total",
    );
  });
  await t.step("bytes become _bytes", () => {
    assert.equal(
      prometheusMetricName({
        name: "v8js.memory.heap.used",
        unit: "By",
        kind: "observable_updowncounter",
      }),
      "v8js_memory_heap_used_bytes",
    );
  });
  await t.step("a unit already in the name is not repeated", () => {
    assert.equal(
      prometheusMetricName({ name: "job.duration.seconds", unit: "s", kind: "histogram" }),
      "job_duration_seconds",
    );
    assert.equal(
      prometheusMetricName({ name: "requests.total", unit: "1", kind: "counter" }),
      "requests_total",
    );
  });
  await t.step("a unit-1 gauge gets _ratio and a rate unit gets _per_", () => {
    assert.equal(
      prometheusMetricName({ name: "cache.hit", unit: "1", kind: "observable_gauge" }),
      "cache_hit_ratio",
    );
    assert.equal(
      prometheusMetricName({ name: "net.io", unit: "By/s", kind: "observable_gauge" }),
      "net_io_bytes_per_second",
    );
  });
});

Deno.test("prometheusSeriesNames() lists _bucket, _sum and _count for a histogram only", () => {
  assert.deepEqual(
    prometheusSeriesNames({ name: "a.b", unit: "s", kind: "histogram" }),
    ["a_b_seconds_bucket", "a_b_seconds_sum", "a_b_seconds_count"],
  );
  assert.deepEqual(prometheusSeriesNames({ name: "a.b", unit: "By", kind: "observable_gauge" }), [
    "a_b_bytes",
  ]);
});

Deno.test("prometheusType() maps only monotonic sums to counters", () => {
  assert.equal(prometheusType("counter"), "counter");
  assert.equal(prometheusType("observable_counter"), "counter");
  assert.equal(prometheusType("updowncounter"), "gauge");
  assert.equal(prometheusType("observable_updowncounter"), "gauge");
  assert.equal(prometheusType("observable_gauge"), "gauge");
  assert.equal(prometheusType("histogram"), "histogram");
});

Deno.test("prometheusLabelName() turns dots into underscores", () => {
  assert.equal(prometheusLabelName("http.response.status_code"), "http_response_status_code");
  assert.equal(prometheusLabelName("cpu.mode"), "cpu_mode");
});

Deno.test("the service's instruments translate to the names the stack documents", () => {
  const names = INSTRUMENTS.flatMap(prometheusSeriesNames);
  for (
    const expected of [
      "http_server_request_duration_seconds_bucket",
      "http_server_active_requests",
      "app_greetings_total",
      "process_memory_usage_bytes",
      "process_cpu_time_seconds_total",
      "v8js_memory_heap_used_bytes",
      "nodejs_eventloop_delay_p99_seconds",
    ]
  ) {
    assert.ok(names.includes(expected), `missing "${expected}" in ${JSON.stringify(names)}`);
  }
});
