import assert from "node:assert/strict";
import { promqlNames } from "./promql_names.ts";

Deno.test("promqlNames() finds the metric inside functions and aggregations", () => {
  assert.deepEqual(
    promqlNames(
      'histogram_quantile(0.95, sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{job="$service"}[$__rate_interval])))',
    ),
    {
      metrics: ["http_server_request_duration_seconds_bucket"],
      labels: ["http_route", "job", "le"],
    },
  );
});

Deno.test("promqlNames() finds both sides of a binary operator", () => {
  assert.deepEqual(
    promqlNames(
      'sum(rate(a_total{code=~"5.."}[5m])) / on (job) group_left sum(rate(b_total[5m])) > bool 0.5',
    ),
    { metrics: ["a_total", "b_total"], labels: ["code", "job"] },
  );
});

Deno.test("promqlNames() reads __name__ matchers and ignores quoted text", () => {
  assert.deepEqual(promqlNames('{__name__="up", job="x{y}"}'), {
    metrics: ["up"],
    labels: ["job"],
  });
});

Deno.test("promqlNames() ignores numbers, keywords and Grafana variables", () => {
  assert.deepEqual(promqlNames("max by (instance) (x_seconds) * 1e3 offset $__interval"), {
    metrics: ["x_seconds"],
    labels: ["instance"],
  });
});
